"""The evaluation suite of the thesis (section 4.3): the registry of benchmark kinds, benchmarks and metrics.

Benchmark ids are fixed; each scale says where the data comes from and how much of it to use. A kind
(arena, mmlu, libra, flores) lives in its own module, which says how its items are prepared, which
messages the model answers and how the answers are scored; normalised items
(results/benchmarks/<id>.jsonl, fields in each module's docstring) are the contract between the steps.
Adding a kind: its module (a `KIND`), then its benchmarks and metrics below.
"""

from __future__ import annotations

from pathlib import Path

from rualign.benchmarks import arena, flores, libra, mmlu
from rualign.benchmarks.base import Benchmark, Kind, Metric, TokenCounter
from rualign.io import DataError, read_jsonl
from rualign.sources import local_paths

KINDS: dict[str, Kind] = {k.name: k for k in (arena.KIND, mmlu.KIND, libra.KIND, flores.KIND)}

BENCHMARKS: dict[str, Benchmark] = {
    b.id: b
    for b in [
        Benchmark("ru_arena_hard", arena.KIND),
        Benchmark("rummlu", mmlu.KIND),
        Benchmark("enmmlu", mmlu.KIND),
        *(Benchmark(f"babilong_qa{i}", libra.KIND, libra_task=f"ru_babilong_qa{i}") for i in range(1, 6)),
        Benchmark("ruqasper", libra.KIND, libra_task="ru_qasper"),
        Benchmark("flores_en_ru", flores.KIND, source_lang="en", target_lang="ru"),
        Benchmark("flores_ru_en", flores.KIND, source_lang="ru", target_lang="en"),
    ]
}

# Metric id -> its benchmark, its row label as the thesis prints it, and its direction; in the thesis's row order.
METRICS: dict[str, Metric] = {
    "judge_winrate": Metric("ru_arena_hard", "LLM-as-a-Judge"),
    "answer_length": Metric("ru_arena_hard", "Mean answer length", higher_is_better=None),
    "rummlu": Metric("rummlu", "ruMMLU"),
    "enmmlu": Metric("enmmlu", "enMMLU"),
    **{f"babilong_qa{i}": Metric(f"babilong_qa{i}", f"LIBRA: ruBABILongQA{i}") for i in range(1, 6)},
    "ruqasper": Metric("ruqasper", "LIBRA: ruQasper"),
    "flores_en_ru": Metric("flores_en_ru", "FLORES: en$\\rightarrow$ru"),
    "flores_ru_en": Metric("flores_ru_en", "FLORES: ru$\\rightarrow$en"),
}


def benchmarks_scored_by(scored_by: str) -> list[str]:
    """Benchmark ids whose kind is scored that way ("text", "judge", "next_token"), in registry order."""
    return [b.id for b in BENCHMARKS.values() if b.kind.scored_by == scored_by]


def generative_benchmarks() -> list[str]:
    """Benchmark ids whose answers the model generates, in registry order."""
    return [b.id for b in BENCHMARKS.values() if b.kind.generative]


def prepare(
    benchmark_id: str, spec: dict, root: Path, seed: int, count_tokens: TokenCounter | None = None
) -> list[dict]:
    """Normalised items of a benchmark (its kind's `prepare`). Errors name the benchmark and its data
    files: an empty local file, no items left, or an item id given twice (generations are cached by id,
    so two items with one id would silently share one answer)."""
    bench = BENCHMARKS[benchmark_id]
    files = local_paths(spec)
    described = ", ".join(files.values()) or ", ".join(
        str(s.get("hub") or s.get("url"))
        for s in spec.values()
        if isinstance(s, dict) and (s.get("hub") or s.get("url"))
    )
    for key, path in files.items():
        full = Path(path) if Path(path).is_absolute() else Path(root) / path
        if full.is_file() and not full.read_bytes().strip():
            raise DataError(f"{full}: empty file (benchmark {benchmark_id}, {key}.path): no items to evaluate")
    try:
        items = bench.kind.prepare(bench, spec, root, seed, count_tokens)
    except DataError as err:
        if any(path in str(err) for path in files.values()):
            raise
        raise DataError(f"{err} (benchmark {benchmark_id}, data: {described})") from None
    if not items:
        raise DataError(f"{benchmark_id}: the configured data ({described}) and limits leave no items")
    seen: dict[str, int] = {}
    for item in items:
        seen[item["id"]] = seen.get(item["id"], 0) + 1
    repeated = sorted(item_id for item_id, count in seen.items() if count > 1)
    if repeated:
        raise DataError(
            f"{benchmark_id} ({described}): item id '{repeated[0]}' occurs {seen[repeated[0]]} times"
            + (f" (and {len(repeated) - 1} more repeated ids)" if len(repeated) > 1 else "")
            + "; answers are cached by id, so every item needs its own id"
        )
    return items


def read_items(path: str | Path) -> list[dict]:
    return read_jsonl(path, required={"id": str})


def messages_for(benchmark_id: str, item: dict, spec: dict) -> list[dict[str, str]]:
    """Chat messages the evaluated model answers for one item of a generative benchmark (a trailing
    assistant message is an answer prefix: `split_assistant_prefix`); `spec` is its generation spec."""
    bench = BENCHMARKS[benchmark_id]
    if not bench.kind.generative:
        raise ValueError(f"{benchmark_id} is not a generative benchmark")
    return bench.kind.messages(bench, item, spec)


def split_assistant_prefix(messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """(messages, prefix): a trailing assistant ("bot") message is the start of the answer that the
    model continues (llmtf_open's incomplete last bot message); "bot" is renamed "assistant"."""
    renamed = [{**m, "role": "assistant" if m["role"] == "bot" else m["role"]} for m in messages]
    if renamed and renamed[-1]["role"] == "assistant":
        return renamed[:-1], renamed[-1]["content"]
    return renamed, ""
