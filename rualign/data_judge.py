"""LLM-judge quality scores (1-5) for grounded-RAG training examples (thesis 4.8).

The judge sees the documents, the question and the assistant's answer and rates how well the
answer is grounded in the documents, correct and useful. Judgments are cached per example id, so
an interrupted job resumes.

Modes follow the arena judge (rualign.judge):
- generate: the judge writes a short reason and "Оценка: N"; the last digit 1-5 after it is the score
  (unparseable judgments are an error after the run: the row cannot be filtered honestly).
- logprobs: next-token log-probabilities of "1".."5" after the prompt. A small judge prefers some
  digits whatever it reads, so each digit's mean log-probability over the run is subtracted before
  the argmax (contextual calibration); the score is the argmax.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from rualign.io import RualignError, sha256_file
from rualign.judge import OpenAIJudge
from rualign.resumable import resume

log = logging.getLogger(__name__)

SCORES = ("1", "2", "3", "4", "5")
RAG_JUDGE_SYSTEM_PROMPT = (
    "Ты строгий эксперт по качеству данных. Тебе дан диалог: документы, вопрос пользователя и ответ "
    "ассистента. Оцени ответ по шкале от 1 до 5: 5 - ответ полностью опирается на документы, верен, "
    "полон и написан хорошим русским языком (или вежливо говорит, что в документах ответа нет, если его "
    "там действительно нет); 3 - ответ в целом верен, но неполон или частично не подтверждается "
    "документами; 1 - ответ неверен, выдуман или не относится к вопросу."
)
GENERATE_SUFFIX = "\n\nКратко обоснуй оценку и закончи строкой «Оценка: N», где N - число от 1 до 5."
LOGPROB_SUFFIX = "\n\nОценка ответа (одна цифра от 1 до 5):"
SCORE_RE = re.compile(r"Оценка\s*:?\s*\**\s*([1-5])")


def judge_prompt(messages: list[dict[str, str]], mode: str) -> list[dict[str, str]]:
    transcript = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
    suffix = LOGPROB_SUFFIX if mode == "logprobs" else GENERATE_SUFFIX
    return [{"role": "system", "content": RAG_JUDGE_SYSTEM_PROMPT}, {"role": "user", "content": transcript + suffix}]


def parse_score(text: str) -> int | None:
    found = SCORE_RE.findall(text)
    return int(found[-1]) if found else None


def calibrated_scores(rows: list[dict]) -> dict[str, int]:
    """Scores from digit log-probabilities after removing the judge's mean preference per digit."""
    means = [sum(r["logprobs"][d] for r in rows) / len(rows) for d in range(len(SCORES))]
    scores = {}
    for row in rows:
        centred = [row["logprobs"][d] - means[d] for d in range(len(SCORES))]
        scores[row["id"]] = 1 + max(range(len(SCORES)), key=centred.__getitem__)
    return scores


def score_rows(
    rows: list[dict],
    rows_path: Path,
    judge_cfg: dict,
    compute: dict,
    judge_model_dir: Path | None,
    cache_dir: Path,
    trust_remote_code: bool = False,
) -> list[dict[str, Any]]:
    """One {id, score, ...} per row, resumable through a cache keyed by judge config and input file."""
    mode = judge_cfg["mode"]
    settings = {"judge": judge_cfg, "rows": sha256_file(rows_path)}
    cache, todo = resume(f"judge_dataset ({mode})", cache_dir, settings, rows, judge_model_dir)
    if todo and judge_cfg["backend"] == "openai":
        judge = OpenAIJudge(
            judge_cfg["base_url"],
            judge_cfg["model"],
            judge_cfg["api_key_env"],
            judge_cfg["max_new_tokens"],
            judge_cfg["max_concurrency"],
            judge_cfg["timeout_s"],
        )
        judge.complete_all(
            [judge_prompt(row["messages"], "generate") for row in todo],
            lambda i, text: cache.add({"id": todo[i]["id"], "judgment": text, "score": parse_score(text)}),
        )
    elif todo:
        from rualign.generation import SamplingParams, make_backend, render_chat

        backend = make_backend(judge_model_dir, compute, trust_remote_code, judge_cfg["tensor_parallel_size"])
        # Training-data scoring, not the thesis's llmtf evaluation: the chat template as it is.
        prompts = render_chat(
            backend.tokenizer, [judge_prompt(r["messages"], mode) for r in todo], system_turn="model_default"
        )
        if mode == "logprobs":
            for row, logprobs in zip(todo, backend.next_token_logprobs(prompts, list(SCORES)), strict=True):
                cache.add({"id": row["id"], "logprobs": logprobs})
        else:

            def record(i: int, result: dict) -> None:
                cache.add({"id": todo[i]["id"], "judgment": result["output"], "score": parse_score(result["output"])})

            backend.generate(prompts, SamplingParams(max_new_tokens=judge_cfg["max_new_tokens"]), on_result=record)
    judged = [cache.rows[r["id"]] for r in rows]
    if mode == "logprobs" and judge_cfg["backend"] == "local":
        scores = calibrated_scores(judged)
        return [{**j, "score": scores[j["id"]], "calibrated": True} for j in judged]
    unparsed = [j["id"] for j in judged if j.get("score") is None]
    if unparsed:
        raise RualignError(
            f"rag judge: {len(unparsed)} judgment(s) without 'Оценка: N', e.g. {unparsed[:3]}: "
            f"{json.dumps(cache.rows[unparsed[0]].get('judgment', ''))[:200]}"
        )
    return judged
