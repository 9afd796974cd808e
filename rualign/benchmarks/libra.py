"""LIBRA (ruBABILongQA1-5, ruQasper): long-context questions, answers scored by EM or F1 per length.

Items: {id, length, context, input, positive_outputs, negative_outputs}.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from rualign import metrics as M
from rualign.benchmarks.base import Benchmark, Kind, TokenCounter, limit, metric_block
from rualign.io import DataError
from rualign.sources import load_rows

# Prompts, verbatim from LIBRA's config.
_BABI_LOC = (
    "Я даю тебе контекст с фактами о местоположении разных людей. Тебе нужно ответить на вопрос, "
    "основываясь только на информации, полученной из фактов. Если человек находился в разных местах, "
    "используй последнее местоположение для ответа на вопрос.\n{context}\n"
)
_BABI_OBJ = (
    "Я даю тебе контекст с фактами о местоположении и действиях разных людей. Тебе нужно ответить на "
    "вопрос, основываясь только на фактической информации. Если человек взял предмет в одном месте и "
    "отправился в другое место, этот предмет также находится во втором месте. Если человек оставил "
    "предмет в первом {place} и перешел во второе место, предмет остается в первом месте.\n{{context}}\n"
)
_BABI_REL = (
    "Я даю тебе контекст с фактами о местоположении и действиях разных людей. Тебе нужно ответить на "
    "вопрос, основываясь только на фактической информации.\n{context}\n"
)
_SHORT = "Ответь на вопрос как можно более кратко.\nВопрос: {input}\nОтвет:"
LIBRA_TEMPLATES = {
    "ru_babilong_qa1": _BABI_LOC + _SHORT,
    "ru_babilong_qa2": _BABI_OBJ.format(place="месте") + "Ответь на вопрос одним словом.\nВопрос: {input}\nОтвет:",
    "ru_babilong_qa3": _BABI_OBJ.format(place="метсе") + _SHORT,  # LIBRA's typo, kept verbatim
    "ru_babilong_qa4": _BABI_REL + _SHORT,
    "ru_babilong_qa5": _BABI_REL + _SHORT,
    "ru_qasper": (
        "Тебе предоставляется научная статья и вопрос.\n{context}\nОтветь на вопрос как можно более кратко, "
        "по возможности используя одну фразу или предложение. Не приводи никаких объяснений.\n"
        "Вопрос:{input}\nОтвет:"
    ),
}
_PLACEHOLDER = re.compile(r"\{(context|input)\}")
LIBRA_METRIC = {**{f"ru_babilong_qa{i}": "em" for i in range(1, 6)}, "ru_qasper": "f1"}
LIBRA_LENGTH_MEANS = ("present", "configured")


def prepare(
    bench: Benchmark, spec: dict, root: Path, seed: int, count_tokens: TokenCounter | None = None
) -> list[dict]:
    build = spec.get("build")
    if build:
        from rualign.babilong_ru import build_babilong

        if count_tokens is None:
            raise ValueError("the babilong_ru builder needs a token counter (the base model's tokenizer)")
        english = load_rows(spec["data"], root)
        filler = [r["sentence_rus_Cyrl"] for r in load_rows(build["filler"], root)][build["filler_offset"] :]
        rows = build_babilong(english, bench.libra_task, spec["lengths"], filler, count_tokens, seed)
    else:
        rows = load_rows(spec["data"], root)
        if spec.get("head_rows"):  # the thesis: the first 600 rows of the split, then the length filter
            rows = rows[: spec["head_rows"]]
    per_length: dict[str, list[dict]] = defaultdict(list)
    for i, row in enumerate(rows, 1):
        for field in ("context", "input", "positive_outputs"):
            if field not in row:
                raise DataError(f"{bench.id} data row {i}: missing field '{field}'")
        length = row.get("length") or "all"
        if spec["lengths"] and length not in spec["lengths"] and not (length == "all" and "all" in spec["lengths"]):
            continue
        meta_id = (row.get("metadata") or {}).get("id")
        if "id" in row:
            item_id = str(row["id"])
        elif meta_id is not None:
            item_id = f"{length}-{meta_id}"
        else:
            item_id = f"{bench.libra_task}-{length}-{len(per_length[length])}"
        per_length[length].append(
            {
                "id": item_id,
                "length": length,
                "context": row["context"],
                "input": row["input"],
                "positive_outputs": list(row["positive_outputs"]),
                "negative_outputs": list(row.get("negative_outputs") or []),
            }
        )
    items = [item for length in sorted(per_length) for item in limit(per_length[length], spec["limit"])]
    ids = [item["id"] for item in items]
    if len(set(ids)) != len(ids):
        raise DataError(f"{bench.id}: item ids are not unique (e.g. {sorted(i for i in ids if ids.count(i) > 1)[:3]})")
    return items


def score_libra(
    bench: Benchmark,
    items: list[dict],
    generations: dict[str, dict],
    spec: dict,
    scoring: str,
    resamples: int,
    seed: int,
    length_decimals: int | None = 3,
    length_mean: str = "present",
) -> tuple[list[dict], dict[str, Any]]:
    """Per length the mean sample score; the benchmark value is the mean over lengths.

    Thesis (diploma libra_eval.py): each per-length mean rounded to `length_decimals` (3), then the
    mean over the lengths present (ruQasper has no 4k). length_mean="configured" (LIBRA's eval.py):
    the mean over the configured lengths, a length without predictions counting as 0;
    length_decimals=None: no rounding.
    """
    if length_mean not in LIBRA_LENGTH_MEANS:
        raise ValueError(f"unknown libra_length_mean {length_mean!r}; allowed: {', '.join(LIBRA_LENGTH_MEANS)}")
    metric = LIBRA_METRIC[bench.libra_task]
    per_item, by_length = [], defaultdict(list)
    for item in items:
        output = generations[item["id"]]["output"]
        score = M.libra_sample_score(output, item["positive_outputs"], item["negative_outputs"], metric, scoring)
        by_length[item["length"]].append(score)
        per_item.append(
            {
                "id": item["id"],
                "length": item["length"],
                "output": output,
                "gold": item["positive_outputs"],
                "score": score,
            }
        )
    if length_mean == "present":
        present = {length for length, scores in by_length.items() if scores}
        lengths = [length for length in spec["lengths"] if length in present]
        lengths += sorted(present - set(lengths))
    else:
        lengths = list(spec["lengths"]) or sorted(by_length)

    def _round(value: float) -> float:
        return value if length_decimals is None else round(value, length_decimals)

    per_length = {length: (_round(M.mean(by_length[length])) if by_length[length] else 0.0) for length in lengths}
    block = metric_block(
        [p["score"] for p in per_item],
        resamples,
        seed,
        per_length=per_length,
        metric=metric,
        scoring=scoring,
        length_mean=length_mean,
        length_decimals=length_decimals,
    )
    block["value"] = M.mean(list(per_length.values()))
    return per_item, {bench.id: block}


def messages(bench: Benchmark, item: dict, spec: dict) -> list[dict[str, str]]:
    # One pass over the template, so braces inside a document are never taken for placeholders.
    values = {"context": item["context"], "input": item["input"]}
    text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], LIBRA_TEMPLATES[bench.libra_task])
    return [{"role": "user", "content": text}]


def score(
    bench: Benchmark, items: list[dict], generations: dict[str, dict], spec: dict, evaluation: dict, seed: int
) -> tuple[list[dict], dict[str, Any]]:
    """`score_libra` with the settings of config 'evaluation' (libra_scoring, libra_length_*)."""
    return score_libra(
        bench,
        items,
        generations,
        spec,
        evaluation["libra_scoring"],
        evaluation["bootstrap_resamples"],
        seed,
        length_decimals=evaluation.get("libra_length_decimals", 3),
        length_mean=evaluation.get("libra_length_mean", "present"),
    )


KIND = Kind("libra", prepare=prepare, scored_by="text", messages=messages, score=score)
