"""Shared plumbing of the scripts/ CLIs: logging, thread count, user errors without tracebacks."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from rualign.io import RualignError


def json_arg(text: str) -> Any:
    """argparse type: inline JSON, or @path to a JSON file."""
    try:
        if text.startswith("@"):
            with open(text[1:], encoding="utf-8") as handle:
                return json.load(handle)
        return json.loads(text)
    except (OSError, json.JSONDecodeError) as err:
        raise argparse.ArgumentTypeError(f"expected JSON or @file.json ({err})") from None


def setup(threads: int | None = None) -> None:
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
