"""What every benchmark kind module builds on: the Benchmark and Kind records and shared helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rualign import metrics as M

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Kind:
    """How one kind of benchmark is prepared, answered and scored; its module holds the functions.

    scored_by: "text" (the answers, by `score`), "judge" (the answers, by rualign.judge) or "next_token"
    (the options' next-token log-probabilities, by `score_next_token`; no answers are generated).
    """

    name: str
    prepare: Callable[[Benchmark, dict, Path, int, TokenCounter | None], list[dict]]
    scored_by: str
    # generative kinds: the chat messages the model answers for one item (bench, item, generation spec)
    messages: Callable[[Benchmark, dict, dict], list[dict[str, str]]] | None = None
    # "text": (bench, items, generations by id, benchmark config, config 'evaluation', seed) -> (per item, metrics)
    score: Callable[..., tuple[list[dict], dict[str, Any]]] | None = None

    @property
    def generative(self) -> bool:
        return self.messages is not None


@dataclass(frozen=True)
class Benchmark:
    """One benchmark of the suite. A benchmark with one metric names that metric by its own id."""

    id: str
    kind: Kind
    libra_task: str | None = None  # LIBRA config name (prompt template, metric)
    source_lang: str | None = None  # flores direction
    target_lang: str | None = None


@dataclass(frozen=True)
class Metric:
    """A table row: the benchmark it comes from, its label as the thesis prints it, and which way is better
    (None: neither, e.g. answer length)."""

    benchmark: str
    label: str
    higher_is_better: bool | None = True


def limit(rows: list[dict], count: int) -> list[dict]:
    """The first `count` rows (0: all)."""
    return rows[:count] if count else rows


def metric_block(values: list[float], resamples: int, seed: int, **extra: Any) -> dict[str, Any]:
    """A score's metric entry: mean value, n, the bootstrap 95 % CI (when resamples > 0) and `extra`."""
    block: dict[str, Any] = {"value": M.mean(values), "n": len(values), **extra}
    if resamples:
        block["ci95"] = list(M.bootstrap_ci(values, n_resamples=resamples, seed=seed))
    return block
