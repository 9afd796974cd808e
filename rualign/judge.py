"""RU Arena Hard, LLM-as-a-judge: pairwise judgments against reference answers, win share, length.

Each (question, reference model) pair is judged twice with the answers' positions swapped
(game 1: A = reference, B = evaluated model; game 2: A = model, B = reference), which cancels
the judge's position bias. Judgments are JSONL keyed by question, reference and game, and a rerun
resumes where an interrupted one stopped.

Judge modes:
- generate: the judge explains and ends with a verdict label [[A>>B]], [[A>B]], [[A=B]], [[B>A]]
  or [[B>>A]] (arena-hard-auto's labels); unparseable verdicts are counted and left out.
- logprobs: the judge is asked for one letter; each game gets the margin log P(A) - log P(B) of
  the next token. Small judges prefer one position whatever the answers say, so the margin is
  calibrated: the judge's mean margin over all games of the run (half of them with the model
  as A, half as B) estimates its position bias and is subtracted before the sign decides the
  verdict (contextual calibration, Zhao et al. 2021). Always parseable; for tiny local judges.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rualign import metrics as M
from rualign.evaluate import write_score
from rualign.io import (
    JsonlCache,
    RualignError,
    cache_file,
    read_jsonl,
    sha256_file,
    sidecar,
    write_json_atomic,
    write_jsonl_atomic,
)
from rualign.provenance import Provenance

log = logging.getLogger(__name__)

JUDGE_SYSTEM_PROMPT = (
    "Ты беспристрастный судья. Оцени качество ответов двух ИИ-ассистентов на запрос пользователя, "
    "приведённый ниже. Тебе даны ответ ассистента A и ответ ассистента B; определи, какой ответ лучше.\n\n"
    "Сначала сам кратко ответь на запрос. Затем сравни с ним оба ответа: найди и исправь ошибки и "
    "неточности. Оцени, насколько ответы полезны (отвечают ли на запрос и следуют ли инструкциям), "
    "уместны (все ли части ответа относятся к вопросу) и кратки (без лишних слов). Если запрос "
    "неоднозначен, полезнее уточнить его, чем строить предположения. Учитывай, на русском ли языке "
    "ответ, если пользователь писал по-русски, и чего важного в ответах не хватает.\n\n"
    "Не позволяй порядку ответов, их длине или именам ассистентов влиять на решение.\n\n"
    "В конце выведи ровно один вердикт из списка:\n"
    "1. Ассистент A значительно лучше: [[A>>B]]\n"
    "2. Ассистент A немного лучше: [[A>B]]\n"
    "3. Ответы равноценны: [[A=B]]\n"
    "4. Ассистент B немного лучше: [[B>A]]\n"
    "5. Ассистент B значительно лучше: [[B>>A]]\n\n"
    'Пример вывода: "Мой вердикт: [[A>B]]".'
)
JUDGE_USER_TEMPLATE = (
    "<|Запрос пользователя|>\n{question}\n\n"
    "<|Начало ответа ассистента A|>\n{answer_a}\n<|Конец ответа ассистента A|>\n\n"
    "<|Начало ответа ассистента B|>\n{answer_b}\n<|Конец ответа ассистента B|>"
)
# Logprob mode serves small local judges: a compact instruction keeps CPU prompts short.
LOGPROB_SYSTEM_PROMPT = (
    "Ты беспристрастный судья. Сравни ответы ассистентов A и B на запрос пользователя: какой точнее, "
    "полезнее и лучше следует запросу (и написан по-русски, если запрос русский). Порядок и длина ответов "
    "не важны."
)
LOGPROB_SUFFIX = "\n\nКакой ответ лучше? Напиши одну букву: A или B."
VERDICT_RE = re.compile(r"\[\[([AB<>=]+)\]\]")
# Label -> which side won (None = tie).
LABEL_WINNER = {"A>>B": "A", "A>B": "A", "A=B": None, "B>A": "B", "B>>A": "B"}


def parse_verdict(text: str) -> str | None:
    """The verdict label of a judgment, or None if there is no single unambiguous label."""
    labels = {m for m in VERDICT_RE.findall(text) if m in LABEL_WINNER}
    return labels.pop() if len(labels) == 1 else None


def outcome_for_model(label: str | None, model_side: str) -> str:
    """'win', 'tie', 'loss' for the evaluated model, or 'invalid' for an unparseable verdict."""
    if label is None:
        return "invalid"
    winner = LABEL_WINNER[label]
    return "tie" if winner is None else ("win" if winner == model_side else "loss")


def judge_messages(question: str, answer_a: str, answer_b: str, mode: str) -> list[dict[str, str]]:
    user = JUDGE_USER_TEMPLATE.format(question=question, answer_a=answer_a, answer_b=answer_b)
    if mode == "logprobs":
        return [
            {"role": "system", "content": LOGPROB_SYSTEM_PROMPT},
            {"role": "user", "content": user + LOGPROB_SUFFIX},
        ]
    return [{"role": "system", "content": JUDGE_SYSTEM_PROMPT}, {"role": "user", "content": user}]


def shorten(text: str, tokenizer, max_tokens: int) -> str:
    """The first `max_tokens` tokens of an answer, marked as cut (0 = keep all)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if max_tokens <= 0 or len(ids) <= max_tokens:
        return text
    return tokenizer.decode(ids[:max_tokens]) + " […]"


def games(items: list[dict], answers: dict[str, str], references: dict[str, dict[str, str]]) -> list[dict]:
    """Every comparison to judge: per question and reference model, both orders."""
    out = []
    for item in items:
        for ref in sorted(references):
            model_answer, ref_answer = answers[item["id"]], references[ref][item["id"]]
            out.append(
                {
                    "key": f"{item['id']}|{ref}|1",
                    "question_id": item["id"],
                    "reference": ref,
                    "game": 1,
                    "model_side": "B",
                    "question": item["prompt"],
                    "answer_a": ref_answer,
                    "answer_b": model_answer,
                }
            )
            out.append(
                {
                    "key": f"{item['id']}|{ref}|2",
                    "question_id": item["id"],
                    "reference": ref,
                    "game": 2,
                    "model_side": "A",
                    "question": item["prompt"],
                    "answer_a": model_answer,
                    "answer_b": ref_answer,
                }
            )
    return out


class OpenAIJudge:
    """Any OpenAI-compatible chat endpoint (vLLM's server, a hosted API). The key comes from the env."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str,
        max_new_tokens: int,
        max_concurrency: int,
        timeout_s: float,
        retries: int = 3,
    ):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.max_new_tokens, self.timeout_s = model, max_new_tokens, timeout_s
        self.max_concurrency, self.retries = max_concurrency, retries
        self._api_key = os.environ.get(api_key_env)  # never logged or written

    def _complete(self, messages: list[dict[str, str]]) -> str:
        body = json.dumps(
            {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": self.max_new_tokens}
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        for attempt in range(self.retries):
            try:
                request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return json.loads(response.read())["choices"][0]["message"]["content"]
            except (urllib.error.URLError, TimeoutError, KeyError, json.JSONDecodeError) as err:
                if attempt == self.retries - 1:
                    raise RualignError(f"judge endpoint {self.url}: {type(err).__name__}: {err}") from None
                time.sleep(2**attempt)
        raise AssertionError("unreachable")

    def judge(self, todo: list[dict], mode: str, on_result) -> None:
        lock = threading.Lock()

        def one(game: dict) -> None:
            text = self._complete(judge_messages(game["question"], game["answer_a"], game["answer_b"], mode))
            with lock:
                on_result(game, {"judgment": text, "label": parse_verdict(text)})

        with ThreadPoolExecutor(self.max_concurrency) as pool:
            list(pool.map(one, todo))


class LocalJudge:
    """A catalogue model run in-process through a generation backend."""

    def __init__(self, backend, max_new_tokens: int, max_answer_tokens: int = 0):
        self.backend, self.max_new_tokens, self.max_answer_tokens = backend, max_new_tokens, max_answer_tokens

    def judge(self, todo: list[dict], mode: str, on_result) -> None:
        from rualign.generation import SamplingParams, render_chat

        tok, cap = self.backend.tokenizer, self.max_answer_tokens
        messages = [
            judge_messages(g["question"], shorten(g["answer_a"], tok, cap), shorten(g["answer_b"], tok, cap), mode)
            for g in todo
        ]
        prompts = render_chat(tok, messages)
        if mode == "logprobs":
            for game, (lp_a, lp_b) in zip(todo, self.backend.next_token_logprobs(prompts, ["A", "B"]), strict=True):
                on_result(
                    game,
                    {
                        "judgment": json.dumps({"logprob_A": lp_a, "logprob_B": lp_b}),
                        "margin": lp_a - lp_b,
                        "label": None,
                    },
                )
        else:
            self.backend.generate(
                prompts,
                SamplingParams(max_new_tokens=self.max_new_tokens),
                on_result=lambda i, r: on_result(
                    todo[i], {"judgment": r["output"], "label": parse_verdict(r["output"])}
                ),
            )


def calibrate_margins(rows: list[dict]) -> list[dict]:
    """Verdicts of logprob games after removing the judge's mean position preference."""
    bias = sum(r["margin"] for r in rows) / len(rows)
    calibrated = []
    for row in rows:
        margin = row["margin"] - bias
        label = "A>B" if margin > 0 else "B>A" if margin < 0 else "A=B"
        calibrated.append(
            {**row, "position_bias": bias, "label": label, "outcome": outcome_for_model(label, row["model_side"])}
        )
    return calibrated


def run_judge(
    items_path: Path,
    answers_path: Path,
    generated_references: dict[str, Path],
    judge_cfg: dict,
    compute: dict,
    judge_model_dir: Path | None,
    out: Path,
    cache_dir: Path,
    trust_remote_code: bool = False,
) -> None:
    items = read_jsonl(items_path, required={"id": str, "prompt": str, "references": dict})
    answers = {row["id"]: row["output"] for row in read_jsonl(answers_path, required={"id": str, "output": str})}
    references: dict[str, dict[str, str]] = {}
    for item in items:
        for ref, text in item["references"].items():
            references.setdefault(ref, {})[item["id"]] = text
    for ref, path in generated_references.items():
        references[ref] = {row["id"]: row["output"] for row in read_jsonl(path, required={"id": str, "output": str})}
    for name, table in [("answers", answers), *references.items()]:
        missing = [item["id"] for item in items if item["id"] not in table]
        if missing:
            raise RualignError(f"arena: {name} lack {len(missing)} question(s), e.g. {missing[:3]}")
    inputs: dict[str, Any] = {
        "items": items_path,
        "answers": answers_path,
        **{f"reference:{k}": v for k, v in generated_references.items()},
    }
    if judge_model_dir:
        inputs["judge_model"] = judge_model_dir
    # judge_cfg holds the *name* of the API-key variable, never the key itself.
    prov = Provenance("judge_arena", inputs=inputs, config={"judge": judge_cfg, "compute": compute})
    all_games = games(items, answers, references)
    # Same judge, same answers, same references -> same cache, whichever experiment asks.
    texts = sorted(sha256_file(p) for p in [items_path, answers_path, *generated_references.values()])
    cache = JsonlCache(cache_file(cache_dir, judge_cfg, texts), key="key")
    todo = [g for g in all_games if g["key"] not in cache]
    log.info("arena: %d games, %d cached, %d to judge", len(all_games), len(all_games) - len(todo), len(todo))
    if todo:
        if judge_cfg["backend"] == "openai":
            judge = OpenAIJudge(
                judge_cfg["base_url"],
                judge_cfg["model"],
                judge_cfg["api_key_env"],
                judge_cfg["max_new_tokens"],
                judge_cfg["max_concurrency"],
                judge_cfg["timeout_s"],
            )
        else:
            from rualign.generation import make_backend

            backend = make_backend(judge_model_dir, compute, trust_remote_code, judge_cfg["tensor_parallel_size"])
            judge = LocalJudge(backend, judge_cfg["max_new_tokens"], judge_cfg["max_answer_tokens"])

        def record(game: dict, result: dict) -> None:
            cache.add(
                {k: game[k] for k in ("key", "question_id", "reference", "game", "model_side")}
                | result
                | {"outcome": outcome_for_model(result["label"], game["model_side"])}
            )

        judge.judge(todo, judge_cfg["mode"], record)
    rows = [cache.rows[g["key"]] for g in all_games]
    if judge_cfg["mode"] == "logprobs":
        rows = calibrate_margins(rows)
    write_jsonl_atomic(out, rows)
    write_json_atomic(sidecar(out), prov.block(n_games=len(rows)))


OUTCOME_VALUE = {"win": 1.0, "tie": 0.5, "loss": 0.0}


def score_arena(
    experiment: str, judgments_path: Path, answers_path: Path, evaluation: dict, seed: int, out: Path
) -> None:
    """Win share over all valid comparisons (a tie counts half) and mean answer length in tokens."""
    prov = Provenance(
        "score_arena",
        inputs={"judgments": judgments_path, "answers": answers_path},
        config={"evaluation": evaluation},
        seed=seed,
    )
    judgments = read_jsonl(judgments_path, required={"question_id": str, "outcome": str})
    answers = read_jsonl(answers_path, required={"id": str, "n_tokens": int})
    counts = {k: sum(j["outcome"] == k for j in judgments) for k in ("win", "tie", "loss", "invalid")}
    valid = [j for j in judgments if j["outcome"] != "invalid"]
    if not valid:
        raise RualignError(f"{judgments_path}: no parseable verdict among {len(judgments)} judgments")
    per_question: dict[str, list[float]] = {}
    for j in valid:
        per_question.setdefault(j["question_id"], []).append(OUTCOME_VALUE[j["outcome"]])
    lengths = {a["id"]: a["n_tokens"] for a in answers}
    per_item = [
        {"id": qid, "win_share": M.mean(v), "n_comparisons": len(v), "answer_tokens": lengths.get(qid)}
        for qid, v in per_question.items()
    ]
    resamples = evaluation["bootstrap_resamples"]
    winrate: dict[str, Any] = {
        "value": M.mean([OUTCOME_VALUE[j["outcome"]] for j in valid]),
        "n": len(valid),
        **counts,
        "tie_weight": 0.5,
    }
    length: dict[str, Any] = {
        "value": M.mean([float(v) for v in lengths.values()]),
        "n": len(lengths),
        "unit": "tokens of the evaluated model's tokenizer",
    }
    if resamples:
        # Resample questions, not single comparisons: the comparisons of one question are correlated.
        winrate["ci95"] = list(M.bootstrap_ci([p["win_share"] for p in per_item], resamples, seed=seed))
        length["ci95"] = list(M.bootstrap_ci([float(v) for v in lengths.values()], resamples, seed=seed))
    write_score(out, experiment, "ru_arena_hard", per_item, {"judge_winrate": winrate, "answer_length": length}, prov)
