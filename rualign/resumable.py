"""One rule for the steps that resume after an interruption (answers, MMLU log-probabilities, arena
judgments, data-judge scores, self-generated rejected answers).

Each keeps a JSONL cache (io.JsonlCache) named by everything that determines its rows: the step, its
settings, the checksums of its inputs and the weights of the model it runs. A rerun finds the rows
already done there and works only on the rest; the model is loaded only when something is left.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rualign.io import JsonlCache, cache_file

log = logging.getLogger(__name__)


def weights_key(model_dir: Path | None) -> list[tuple[str, int, int]]:
    """How a cache names a model: name, size and mtime of each safetensors file (cheap to read, and a model
    written again gets a new cache). [] for no local model (an API judge: its name is in the settings)."""
    if model_dir is None:
        return []
    return [(w.name, w.stat().st_size, w.stat().st_mtime_ns) for w in sorted(Path(model_dir).glob("*.safetensors"))]


def resume(
    step: str,
    cache_dir: Path,
    settings: Any,
    rows: list[dict[str, Any]],
    model_dir: Path | None = None,
    key: str = "id",
) -> tuple[JsonlCache, list[dict[str, Any]]]:
    """The step's cache and the rows it has yet to do (those whose `key` is not cached), logged."""
    cache = JsonlCache(cache_file(cache_dir, step, settings, weights_key(model_dir)), key=key)
    todo = [row for row in rows if row[key] not in cache]
    log.info("%s: %d rows, %d cached, %d to do", step, len(rows), len(rows) - len(todo), len(todo))
    return cache, todo
