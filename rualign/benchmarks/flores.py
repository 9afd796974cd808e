"""FLORES en<->ru: sentence translation, scored by the mean of ROUGE-1 and ROUGE-2 F.

Items: {id, source, reference, messages} (messages: the Darumeru prompt, filled in).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rualign import metrics as M
from rualign.benchmarks.base import Benchmark, Kind, TokenCounter, limit, metric_block
from rualign.io import DataError
from rualign.sources import load_rows

FLORES_PROMPTS = ("darumeru", "rualign")
# Darumeru's flores rows carry `messages` whose text has the slots {input}, {output}, {input_text}
# (and {translation} for few-shot answers); llmtf_open's DaruFlores fills them with these words
# (97b3022 llmtf/tasks/translation.py create_messages). Those rows are read at paper scale.
DARUMERU_SLOTS = {
    ("en", "ru"): {"input": "английского", "output": "русский"},
    ("ru", "en"): {"input": "русского", "output": "английский"},
}
# FLORES-200 rows (tiny scale) have no messages: they get this one user turn. ASSUMPTION: the
# slots and their words are upstream's; the surrounding wording of Darumeru's own template is
# not published outside the hub and is reconstructed here.
DARUMERU_FLORES_MESSAGES = [
    {"role": "user", "content": "Переведи текст с {input} на {output} язык.\nТекст: {input_text}"},
]
_DARUMERU_SLOT = re.compile(r"\{(input|output|input_text|translation)\}")
# Ours (option flores_prompt: rualign).
FLORES_TEMPLATES = {
    (
        "en",
        "ru",
    ): "Переведи следующий текст с английского языка на русский. В ответе напиши только перевод.\n\n{source}",
    (
        "ru",
        "en",
    ): "Переведи следующий текст с русского языка на английский. В ответе напиши только перевод.\n\n{source}",
}


def darumeru_messages(
    template: list[dict[str, str]], source_lang: str, target_lang: str, source: str, reference: str
) -> list[dict[str, str]]:
    """A Darumeru flores prompt for one direction: the slots of every message filled as llmtf's
    DaruFlores fills them (one pass, so braces inside the sentences are never taken for slots).
    Roles are kept as written (Darumeru calls the assistant "bot")."""
    values = {
        **DARUMERU_SLOTS[(source_lang, target_lang)],
        "input_text": source,
        "translation": reference,
    }
    return [
        {"role": m["role"], "content": _DARUMERU_SLOT.sub(lambda g: values[g.group(1)], m["content"])} for m in template
    ]


def prepare(
    bench: Benchmark, spec: dict, root: Path, seed: int, count_tokens: TokenCounter | None = None
) -> list[dict]:
    rows = load_rows(spec["data"], root)
    fields = {"en": "sentence_eng_Latn", "ru": "sentence_rus_Cyrl"}
    items = []
    for i, row in enumerate(rows, 1):
        # FLORES-200 files name the sides sentence_<lang>; Darumeru's flores nests them as inputs.{en, ru}.
        sides = row["inputs"] if isinstance(row.get("inputs"), dict) else {k: row.get(v) for k, v in fields.items()}
        try:
            src, ref = sides[bench.source_lang], sides[bench.target_lang]
            if src is None or ref is None:
                raise KeyError(fields[bench.source_lang if src is None else bench.target_lang])
        except KeyError as err:
            raise DataError(f"{bench.id} data row {i}: missing field {err}") from None
        template = row.get("messages") or DARUMERU_FLORES_MESSAGES
        if not isinstance(template, list) or not all(isinstance(m, dict) and "content" in m for m in template):
            raise DataError(f"{bench.id} data row {i}: messages must be a list of {{role, content}}")
        messages = darumeru_messages(template, bench.source_lang, bench.target_lang, src, ref)
        items.append({"id": str(row.get("id", i)), "source": src, "reference": ref, "messages": messages})
    return limit(items, spec["limit"])


def score_flores(
    bench: Benchmark,
    items: list[dict],
    generations: dict[str, dict],
    lemmatize: bool,
    resamples: int,
    seed: int,
    tokenizer: str = "llmtf",
) -> tuple[list[dict], dict[str, Any]]:
    """Mean over items of (ROUGE-1 F + ROUGE-2 F) / 2 with the `tokenizer` (llmtf = the thesis's).
    The other tokenizer's value is reported beside it (`by_tokenizer`), never as the value."""
    per_item, others = [], {name: [] for name in M.FLORES_TOKENIZERS if name != tokenizer}
    for item in items:
        output = generations[item["id"]]["output"]
        rouge = M.flores_rouge(output, item["reference"], lemmatize=lemmatize, tokenizer=tokenizer)
        per_item.append({"id": item["id"], "output": output, "reference": item["reference"], **rouge})
        for name, values in others.items():
            values.append(M.flores_rouge(output, item["reference"], lemmatize=lemmatize, tokenizer=name)["score"])
    block = metric_block(
        [p["score"] for p in per_item],
        resamples,
        seed,
        rouge1=M.mean([p["rouge1"] for p in per_item]),
        rouge2=M.mean([p["rouge2"] for p in per_item]),
        tokenizer=tokenizer,
        lemmatize=lemmatize,
    )
    block["by_tokenizer"] = {tokenizer: block["value"], **{name: M.mean(v) for name, v in others.items()}}
    return per_item, {bench.id: block}


def messages(bench: Benchmark, item: dict, spec: dict) -> list[dict[str, str]]:
    prompt = spec.get("flores_prompt", "darumeru")
    if prompt not in FLORES_PROMPTS:
        raise ValueError(f"unknown flores_prompt {prompt!r}; allowed: {', '.join(FLORES_PROMPTS)}")
    if prompt == "darumeru":
        if "messages" not in item:
            raise DataError(f"{bench.id} item {item['id']}: no messages (prepared before the Darumeru prompt)")
        return [dict(m) for m in item["messages"]]
    text = FLORES_TEMPLATES[(bench.source_lang, bench.target_lang)].format(source=item["source"])
    return [{"role": "user", "content": text}]


def score(
    bench: Benchmark, items: list[dict], generations: dict[str, dict], spec: dict, evaluation: dict, seed: int
) -> tuple[list[dict], dict[str, Any]]:
    """`score_flores` with the settings of config 'evaluation' (flores_lemmatize, flores_tokenizer)."""
    return score_flores(
        bench,
        items,
        generations,
        evaluation["flores_lemmatize"],
        evaluation["bootstrap_resamples"],
        seed,
        tokenizer=evaluation.get("flores_tokenizer", "llmtf"),
    )


KIND = Kind("flores", prepare=prepare, scored_by="text", messages=messages, score=score)
