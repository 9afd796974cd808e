"""Shared plumbing of scripts/: Snakemake's `script:` object, logging, thread count, user errors without tracebacks.

Each script runs its step two ways: from its rule (`script:`, with inputs, outputs and params as Python objects
in `snakemake`) or by hand (`python scripts/<step>.py --help`: names and paths; the settings come from the
config files, resolved as the Snakefile resolves them).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rualign.io import RualignError


def snakemake_job() -> Any | None:
    """The `snakemake` object that a rule's `script:` defines in the script's globals; None when run by hand."""
    import __main__

    return getattr(__main__, "snakemake", None)


def parser(description: str | None, threads: bool = False) -> argparse.ArgumentParser:
    """The by-hand CLI of a step: --configfile (repeatable, merged in order like Snakemake's --configfiles)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--configfile",
        type=Path,
        action="append",
        help="config file(s), merged in order and resolved as the Snakefile does (default: config.yaml)",
    )
    if threads:
        parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    return parser


def workflow(args: argparse.Namespace):
    """The Workflow of the by-hand CLI's --configfile(s): what the Snakefile's RUALIGN is to the rules."""
    from rualign.workflow import Workflow

    return Workflow.from_files(args.configfile or [Path("config.yaml")])


def setup(threads: int | None = None, log: str | None = None) -> None:
    """Logging, threads and, from a rule, stdout and stderr into its log (as a shell rule's `> log 2>&1`)."""
    if log is not None:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if threads:
        import torch

        # Under `accelerate launch` / torchrun the job's threads are shared by its local processes.
        local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1") or 1)
        torch.set_num_threads(max(1, threads // local_processes))


def run(main: Callable[[], None]) -> None:
    """Run a CLI main(); a RualignError exits 2 with its message only (it names file and field)."""
    try:
        main()
    except RualignError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
