"""Helpers to run the workflow in a scratch copy of the repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "results", "logs", ".snakemake", "__pycache__", ".pytest_cache", ".ruff_cache", "*.egg-info"
)


def copy_workflow(dest: Path) -> Path:
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    return dest


def snakemake(workdir: Path, *args: str, timeout: int = 3000) -> subprocess.CompletedProcess:
    bin_dir = Path(sys.executable).parent
    env_path = f"{bin_dir}:{__import__('os').environ.get('PATH', '')}"
    return subprocess.run(
        [str(bin_dir / "snakemake"), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**__import__("os").environ, "PATH": env_path},
    )
