"""Zero-shot MMLU (ru and en): the likeliest option letter as the next token; no answers are generated.

Items: {id, subject, question, choices[4], answer}.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from rualign import metrics as M
from rualign.benchmarks.base import Benchmark, Kind, TokenCounter, limit
from rualign.io import DataError
from rualign.sources import load_rows

MMLU_PROMPTS = ("llmtf", "rualign")
MMLU_AGGREGATIONS = ("category_mean", "accuracy")
MMLU_LETTERS = ("A", "B", "C", "D")
# The thesis's zero-shot MMLU (llmtf_open@97b3022 nlpcoreteam.py): the user turn is the question and
# the lettered options, no subject header (it only heads few-shot examples); the assistant turn
# starts with this text and the next token decides among " A" ... " D" (with a leading space).
MMLU_ANSWER_PREFIX = {"ru": "Ответ:", "en": "Answer:"}
# Ours (option mmlu_prompt: rualign): a subject header and the answer cue inside the user turn.
MMLU_TEMPLATES = {
    "en": (
        "The following is a multiple choice question about {subject}. Answer with the letter of the "
        "correct option.\n\n{question}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer:"
    ),
    "ru": (
        "Ниже приведён вопрос с несколькими вариантами ответа по теме «{subject}». Ответь буквой "
        "правильного варианта.\n\n{question}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nОтвет:"
    ),
}


def prepare(
    bench: Benchmark, spec: dict, root: Path, seed: int, count_tokens: TokenCounter | None = None
) -> list[dict]:
    rows = load_rows(spec["data"], root)
    lang = spec["language"]
    items = []
    for i, row in enumerate(rows, 1):
        try:
            if "choices" in row or f"choices_{lang}" in row:
                choices = row.get(f"choices_{lang}", row.get("choices"))
                question = row.get(f"question_{lang}", row.get("question"))
            else:
                choices = [row[f"choice{k}"] for k in range(4)]
                question = row["question"]
            answer = row["answer"]
        except KeyError as err:
            raise DataError(f"mmlu data row {i}: missing field {err}") from None
        if isinstance(answer, str) and answer in MMLU_LETTERS:
            answer = MMLU_LETTERS.index(answer)
        if not isinstance(answer, int) or not 0 <= answer < 4 or len(choices) != 4:
            raise DataError(f"mmlu data row {i}: expected 4 choices and answer 0-3 (or A-D), got {answer!r}")
        items.append(
            {
                "id": f"{row.get('subject', 'mmlu')}-{i}",
                "subject": row.get("subject", ""),
                "question": question,
                "choices": [str(c) for c in choices],
                "answer": answer,
            }
        )
    random.Random(seed).shuffle(items)
    return limit(items, spec["limit"])


def mmlu_messages(item: dict, language: str, prompt: str = "llmtf") -> tuple[list[dict[str, str]], str]:
    """(messages, assistant_prefix) of one zero-shot MMLU item.

    prompt="llmtf" (the thesis's): user turn = question + "A. ..." to "D. ..." lines, no subject
    header; the assistant turn starts with "Ответ:" / "Answer:". prompt="rualign" (ours): a
    subject header and the answer cue inside the user turn, no assistant prefix.
    """
    if prompt not in MMLU_PROMPTS:
        raise ValueError(f"unknown mmlu_prompt {prompt!r}; allowed: {', '.join(MMLU_PROMPTS)}")
    a, b, c, d = item["choices"]
    if prompt == "llmtf":
        lines = [item["question"], *(f"{x}. {y}" for x, y in zip(MMLU_LETTERS, item["choices"], strict=True))]
        return [{"role": "user", "content": "\n".join(lines)}], MMLU_ANSWER_PREFIX[language]
    text = MMLU_TEMPLATES[language].format(
        subject=item["subject"].replace("_", " "), question=item["question"], a=a, b=b, c=c, d=d
    )
    return [{"role": "user", "content": text}], ""


def mmlu_candidates(prompt: str = "llmtf") -> tuple[str, ...]:
    """The option tokens whose next-token probability decides: " A" ... " D" after the thesis's
    "Ответ:" (llmtf adds the space because the prompt does not end with a newline); "A" ... "D"
    after our prompt, whose assistant turn starts on a new line."""
    return tuple(f" {x}" for x in MMLU_LETTERS) if prompt == "llmtf" else MMLU_LETTERS


def score_mmlu(
    bench: Benchmark,
    items: list[dict],
    letter_logprobs: list[list[float]],
    resamples: int,
    seed: int,
    aggregation: str = "category_mean",
    subject_categories: dict[str, str] | None = None,
) -> tuple[list[dict], dict[str, Any]]:
    """The likeliest option per item; value = the thesis's category mean (`M.mmlu_category_mean`)
    or, with aggregation="accuracy", plain accuracy. Both are always reported (`accuracy`,
    `category_mean`); the CI is the bootstrap of the reported value over items."""
    if aggregation not in MMLU_AGGREGATIONS:
        raise ValueError(f"unknown mmlu_aggregation {aggregation!r}; allowed: {', '.join(MMLU_AGGREGATIONS)}")
    per_item = []
    for item, logprobs in zip(items, letter_logprobs, strict=True):
        predicted = max(range(4), key=lambda k: logprobs[k])
        per_item.append(
            {
                "id": item["id"],
                "subject": item["subject"],
                "answer": item["answer"],
                "predicted": predicted,
                "logprobs": logprobs,
                "correct": int(predicted == item["answer"]),
            }
        )
    categories = M.mmlu_category_mean(per_item, subject_categories)
    block: dict[str, Any] = {
        "value": categories["score"] if aggregation == "category_mean" else categories["micro_accuracy"],
        "n": len(per_item),
        "aggregation": aggregation,
        "category_mean": categories["score"],
        "accuracy": categories["micro_accuracy"],
        "per_category": categories["per_category"],
        "n_subjects": len(categories["per_subject"]),
    }
    if resamples:
        if aggregation == "accuracy":
            block["ci95"] = list(M.bootstrap_ci([float(p["correct"]) for p in per_item], resamples, seed=seed))
        else:
            block["ci95"] = list(M.mmlu_category_mean_ci(per_item, subject_categories, resamples, seed=seed))
    return per_item, {bench.id: block}


KIND = Kind("mmlu", prepare=prepare, scored_by="next_token")
