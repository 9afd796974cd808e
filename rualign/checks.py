"""Pipeline checks: experiments whose effect is known in advance (an experiment's `canary:` key).

A canary and the experiment it is compared with (`against`) are both evaluated on the canary metric's
benchmark, apart from the tables: on their own items (`checks.limit` per length, more than the tables
read, so that the effect is statistically clear), under results/checks/. The metric is one scored from
the answers alone (CHECK_METRICS: LIBRA, FLORES, and the arena's answer length, without the judge). A
check passes when the metric moved the expected way, by at least the canary's `margin`, and the two
95 % CIs are apart (`up`/`down`), or when the CIs overlap (`none`). A check that evaluated the parent
instead of the trained model, trained on the wrong rows or with chosen and rejected swapped, or lost
the answers between generation and scoring, fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rualign import benchmarks as B
from rualign.io import read_json, write_json_atomic
from rualign.provenance import Provenance

CHECKS_DIR = Path("results/checks")
VERDICTS = CHECKS_DIR / "pipeline_checks.json"  # rule pipeline_checks; the report reads it


# Metrics scored from the answers alone, and their benchmarks: what a check can read without a judge.
CHECK_METRICS = [
    metric
    for metric, spec in B.METRICS.items()
    if B.BENCHMARKS[spec.benchmark].kind.scored_by == "text" or metric == "answer_length"
]
CHECK_BENCHMARKS = list(dict.fromkeys(B.METRICS[metric].benchmark for metric in CHECK_METRICS))


def canaries(experiments: dict[str, dict]) -> dict[str, dict]:
    """Experiment -> its canary, for the experiments that have one."""
    return {name: exp["canary"] for name, exp in sorted(experiments.items()) if exp.get("canary")}


def runs(experiments: dict[str, dict]) -> list[tuple[str, str]]:
    """(experiment, benchmark) pairs the checks evaluate: each canary and what it is compared with."""
    pairs = set()
    for name, canary in canaries(experiments).items():
        benchmark = B.METRICS[canary["metric"]].benchmark
        pairs |= {(name, benchmark), (canary["against"], benchmark)}
    return sorted(pairs)


def score_path(experiment: str, benchmark: str) -> Path:
    return CHECKS_DIR / "scores" / experiment / f"{benchmark}.json"


def evaluate(
    experiment: str,
    benchmark: str,
    items: Path,
    model_dir: Path,
    generation_spec: dict,
    spec: dict,
    compute: dict,
    evaluation: dict,
    seed: int,
    answers: Path,
    score: Path,
    cache_dir: Path,
    trust_remote_code: bool = False,
) -> None:
    """Answer a check's items with one model and score them: LIBRA and FLORES as the tables do, the arena
    by its answers' length alone."""
    from rualign.evaluate import generate_answers, score_text  # torch and the model stack: only here
    from rualign.judge import score_answer_length

    if benchmark not in CHECK_BENCHMARKS:
        raise ValueError(f"pipeline checks read {', '.join(CHECK_BENCHMARKS)}, not {benchmark}")
    generate_answers(benchmark, items, model_dir, generation_spec, compute, seed, answers, cache_dir, trust_remote_code)
    if benchmark == "ru_arena_hard":
        score_answer_length(experiment, items, answers, evaluation, seed, score)
    else:
        score_text(experiment, benchmark, items, answers, spec, evaluation, seed, score)


def verdict(canary: dict, mine: dict, theirs: dict) -> dict[str, Any]:
    """Did the canary's metric move as expected against the other run's (score blocks with value, ci95)?"""
    delta = mine["value"] - theirs["value"]
    far_enough = abs(delta) >= canary.get("margin", 0)
    if "ci95" in mine and "ci95" in theirs:
        (low_a, high_a), (low_b, high_b) = mine["ci95"], theirs["ci95"]
        apart = high_a < low_b or high_b < low_a
        moved, unmoved = apart and far_enough, not apart
    else:  # evaluation.bootstrap_resamples: 0 - the sign (and margin) alone, or the tolerance
        apart, moved, unmoved = None, far_enough, abs(delta) <= canary.get("tolerance", 0)
    passed = {"up": delta > 0 and moved, "down": delta < 0 and moved, "none": unmoved}[canary["expect"]]
    return {"delta": delta, "cis_apart": apart, "passed": passed}


def check_all(experiments: dict[str, dict], root: Path, out: Path) -> bool:
    """results/checks/pipeline_checks.json: one row per canary; True when every check passed."""
    rows, inputs = [], {}
    for name, canary in canaries(experiments).items():
        metric = canary["metric"]
        benchmark = B.METRICS[metric].benchmark
        blocks = {}
        for who in (name, canary["against"]):
            path = root / score_path(who, benchmark)
            inputs[f"{who}/{benchmark}"] = path
            blocks[who] = read_json(path)["metrics"][metric]
        mine, theirs = blocks[name], blocks[canary["against"]]
        rows.append(
            {
                "experiment": name,
                **canary,
                "value": mine["value"],
                "ci95": mine.get("ci95"),
                "n": mine["n"],
                "reference_value": theirs["value"],
                "reference_ci95": theirs.get("ci95"),
                **verdict(canary, mine, theirs),
            }
        )
    prov = Provenance("pipeline_checks", inputs=inputs)
    passed = all(r["passed"] for r in rows)
    write_json_atomic(out, {"checks": rows, "passed": passed, "provenance": prov.block()})
    return passed
