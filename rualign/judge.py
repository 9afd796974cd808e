"""RU Arena Hard, LLM-as-a-judge: pairwise judgments against reference answers.

Each (question, reference model) pair is judged twice with the answers' positions swapped
(game 1: first = reference, second = evaluated model; game 2: first = model, second =
reference), which cancels the judge's position bias. Judgments are JSONL keyed by question,
reference and game, and a rerun resumes where an interrupted one stopped.

Protocols (config `judge.arena_protocol`):
- llmtf (default; the thesis): llmtf_open@97b3022's English "leaderboard" prompt; the two answers
  are models `m` (listed first) and `M`; an assistant turn is begun with a prefix the judge
  continues, and `p` is the judge's probability of the evaluated model's label for the next
  token. llmtf_open does not normalise it over the two labels: local judges give the softmax
  probability over the whole vocabulary (llmtf's HF model), OpenAI-compatible endpoints the
  exp(logprob) of the label among `judge.top_logprobs` top log-probabilities, 0 when it is not
  among them (llmtf's vLLM-server model, which the thesis used). Scored by
  `rualign.metrics.arena_score` (length-controlled Bradley-Terry).
- arena_hard_ru (ours, kept for comparison) with `judge.mode`:
  - generate: a Russian arena-hard-auto prompt; the judge explains and ends with a verdict
    [[A>>B]], [[A>B]], [[A=B]], [[B>A]] or [[B>>A]]; unparseable verdicts are invalid.
  - logprobs: the judge is asked for one letter; each game gets the margin log P(A) - log P(B)
    of the next token, calibrated by the judge's mean margin over the run (its position bias;
    contextual calibration, Zhao et al. 2021) before the sign decides. For tiny local judges.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from rualign import metrics as M
from rualign.cl100k import count_cl100k
from rualign.evaluate import write_score
from rualign.io import (
    RualignError,
    read_json,
    read_jsonl,
    sha256_file,
    sidecar,
    write_json_atomic,
    write_jsonl_atomic,
)
from rualign.provenance import Provenance
from rualign.resumable import resume

log = logging.getLogger(__name__)

PROTOCOLS = ("llmtf", "arena_hard_ru")

# ---------------------------------------------------------------- llmtf_open@97b3022's judge prompt
# The text is the judge's input and must match upstream byte for byte (its quirks included:
# "different of", "the these", the mismatched quotes in "rank': 1"), or p is not the thesis's p.
LLMTF_SYSTEM_PROMPT = "You are a helpful assistant, that ranks models by the quality of their answers."
LLMTF_USER_TEMPLATE = """I want you to create a leaderboard of different of large language models. To do so, I will give you the instructions (prompts) given to the models, and the responses of two models. Please rank the models based on which responses would be preferred by humans. All inputs and outputs should be python dictionaries.

The main language of the these models is **Russian** and you are required to evaluate not only the overall quality of the answers, but also their grammar and coherence.

**Prompt**:
{
    "instruction": "{instruction}",
}

**Models outputs**:
[
    {
        "model": "m",
        "answer": \"\"\"{output_m}\"\"\"
    },
    {
        "model": "M",
        "answer": \"\"\"{output_M}\"\"\"
    }
]

Now please rank the models by the quality of their answers, so that the model with rank 1 has the best output. Then return a list of the model names and ranks, i.e., produce the following output:
[
    {"rank': 1, "model_name": <model-name-winner>},
    {"rank': 2, "model_name": <model-name-loser>}
]

Please provide the ranking that the majority of humans would give."""  # noqa: E501
LLMTF_ASSISTANT_PREFIX = """[
    {"rank': 1, "model_name": \""""
LLMTF_LABELS = ("m", "M")  # the model listed first is `m`

# ---------------------------------------------------------------- our Russian arena-hard-auto prompt
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


def llmtf_outcome(p_model: float, p_other: float) -> str:
    """A game of the llmtf protocol as a plain outcome: the likelier label wins; 'invalid' when
    neither label has any probability (an endpoint listed neither among its top log-probs)."""
    if p_model <= 0 and p_other <= 0:
        return "invalid"
    return "win" if p_model > p_other else "loss" if p_model < p_other else "tie"


def llmtf_messages(question: str, output_m: str, output_big_m: str) -> list[dict[str, str]]:
    """llmtf_open's judge conversation: system, user and the begun assistant turn (`m` is listed first).
    The placeholders are replaced one after another, as upstream does."""
    user = (
        LLMTF_USER_TEMPLATE.replace("{instruction}", question)
        .replace("{output_m}", output_m)
        .replace("{output_M}", output_big_m)
    )
    return [
        {"role": "system", "content": LLMTF_SYSTEM_PROMPT},
        {"role": "user", "content": user},
        {"role": "assistant", "content": LLMTF_ASSISTANT_PREFIX},
    ]


def judge_messages(question: str, answer_a: str, answer_b: str, mode: str) -> list[dict[str, str]]:
    """The judge's conversation for a game whose first answer is `answer_a`. mode: llmtf (the
    llmtf protocol, ending with the begun assistant turn), generate or logprobs (arena_hard_ru)."""
    if mode == "llmtf":
        return llmtf_messages(question, answer_a, answer_b)
    user = JUDGE_USER_TEMPLATE.format(question=question, answer_a=answer_a, answer_b=answer_b)
    if mode == "logprobs":
        return [
            {"role": "system", "content": LOGPROB_SYSTEM_PROMPT},
            {"role": "user", "content": user + LOGPROB_SUFFIX},
        ]
    return [{"role": "system", "content": JUDGE_SYSTEM_PROMPT}, {"role": "user", "content": user}]


def arena_mode(judge_cfg: dict) -> str:
    """llmtf, generate or logprobs: what the arena judge does under this config."""
    protocol = judge_cfg.get("arena_protocol", "llmtf")
    if protocol not in PROTOCOLS:
        raise RualignError(f"judge.arena_protocol: {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    return "llmtf" if protocol == "llmtf" else judge_cfg["mode"]


def shorten(text: str, tokenizer, max_tokens: int) -> str:
    """The first `max_tokens` tokens of an answer, marked as cut (0 = keep all)."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    if max_tokens <= 0 or len(ids) <= max_tokens:
        return text
    return tokenizer.decode(ids[:max_tokens]) + " […]"


def games(items: list[dict], answers: dict[str, str], references: dict[str, dict[str, str]]) -> list[dict]:
    """Every comparison to judge: per question and reference model, both orders. `answer_a` is
    shown first (llmtf: model `m`); `lens` are the full answers' lengths in characters."""
    out = []
    for item in items:
        for ref in sorted(references):
            model_answer, ref_answer = answers[item["id"]], references[ref][item["id"]]
            common = {
                "question_id": item["id"],
                "reference": ref,
                "question": item["prompt"],
                "lens": {"model": len(model_answer), "reference": len(ref_answer)},
            }
            out.append(
                common
                | {
                    "key": f"{item['id']}|{ref}|1",
                    "game": 1,
                    "model_side": "B",
                    "model_first": False,
                    "answer_a": ref_answer,
                    "answer_b": model_answer,
                }
            )
            out.append(
                common
                | {
                    "key": f"{item['id']}|{ref}|2",
                    "game": 2,
                    "model_side": "A",
                    "model_first": True,
                    "answer_a": model_answer,
                    "answer_b": ref_answer,
                }
            )
    return out


def llmtf_result(game: dict, p_first: float, p_second: float, source: str) -> dict:
    """A judged llmtf game: p of the evaluated model's label and of the reference's."""
    p_model, p_other = (p_first, p_second) if game["model_side"] == "A" else (p_second, p_first)
    label = None if p_first <= 0 and p_second <= 0 else ("m" if p_first >= p_second else "M")
    return {
        "judgment": json.dumps({"p_m": p_first, "p_M": p_second, "from": source}),
        "p": p_model,
        "p_reference": p_other,
        "label": label,
        "outcome": llmtf_outcome(p_model, p_other),
    }


def pair_normalised(result: dict) -> dict:
    """An llmtf game with p renormalised over the two labels, p_model / (p_model + p_reference); the raw
    probabilities stay as p_raw / p_reference_raw. Not the thesis's reading (llmtf uses the raw probability):
    for small judges that give both labels little mass, so that a raw p never reaches 0.5."""
    total = result["p"] + result["p_reference"]
    if total <= 0:
        return result
    return result | {
        "p": result["p"] / total,
        "p_reference": result["p_reference"] / total,
        "p_raw": result["p"],
        "p_reference_raw": result["p_reference"],
    }


# ---------------------------------------------------------------- OpenAI-compatible endpoint
class UnusableReply(RualignError):
    """The endpoint answered, but not with something a judgment can be read from."""


class EndpointDown(RualignError):
    """The endpoint kept failing (connection, timeout, 5xx) through every retry."""


def _transient(err: BaseException) -> bool:
    if isinstance(err, urllib.error.HTTPError):
        return err.code >= 500 or err.code in (408, 429)
    return isinstance(err, (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError))


class OpenAIJudge:
    """Any OpenAI-compatible chat endpoint (vLLM's server, a hosted API). The key comes from the env.

    Transient faults (dropped connection, timeout, HTTP 5xx/408/429) are retried with exponential
    backoff and jitter; other HTTP errors stop at once. A reply without a usable judgment
    (`choices: []`, `content: null`, no logprobs) raises UnusableReply and is never cached.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str,
        max_new_tokens: int,
        max_concurrency: int,
        timeout_s: float,
        retries: int = 5,
        top_logprobs: int = 20,
        backoff_s: float = 1.0,
    ):
        if timeout_s <= 0:
            raise RualignError(f"judge.timeout_s must be > 0, got {timeout_s}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model, self.max_new_tokens, self.timeout_s = model, max_new_tokens, timeout_s
        self.max_concurrency, self.retries = max_concurrency, max(1, retries)
        self.top_logprobs, self.backoff_s = top_logprobs, backoff_s
        self.retried = 0  # requests sent again after a transient fault
        self._lock = threading.Lock()
        self._api_key = os.environ.get(api_key_env)  # never logged or written

    def _post(self, body: dict) -> dict:
        data = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        for attempt in range(self.retries):
            try:
                request = urllib.request.Request(self.url, data=data, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    raw = response.read()
            except Exception as err:  # noqa: BLE001 (sorted into transient and fatal below)
                if not _transient(err):
                    if isinstance(err, urllib.error.HTTPError):
                        detail = err.read()[:300].decode("utf-8", "replace")
                        raise RualignError(f"judge endpoint {self.url}: HTTP {err.code}: {detail}") from None
                    raise
                if attempt == self.retries - 1:
                    raise EndpointDown(
                        f"judge endpoint {self.url}: {type(err).__name__}: {err} (after {self.retries} attempts)"
                    ) from None
                with self._lock:
                    self.retried += 1
                delay = min(self.backoff_s * 2**attempt, 60.0)
                log.warning("judge endpoint: %s: %s; retry %d in %.1f s", type(err).__name__, err, attempt + 1, delay)
                time.sleep(delay * (1 + 0.25 * random.random()))  # noqa: S311 (jitter, not crypto)
                continue
            try:
                return json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise UnusableReply(f"reply is not JSON: {raw[:200]!r}") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _choice(reply: dict) -> dict:
        choices = reply.get("choices") if isinstance(reply, dict) else None
        if not choices:
            raise UnusableReply(f"reply has no choices: {json.dumps(reply)[:200]}")
        return choices[0]

    def _complete(self, messages: list[dict[str, str]]) -> str:
        """The judge's text reply (temperature 0)."""
        reply = self._post(
            {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": self.max_new_tokens}
        )
        content = (self._choice(reply).get("message") or {}).get("content")
        if not isinstance(content, str):
            raise UnusableReply(f"reply has message.content {content!r}, not text")
        return content

    def complete_all(self, prompts: list[list[dict[str, str]]], on_result: Callable[[int, str], None]) -> None:
        """`_complete` for every prompt, max_concurrency requests at a time; on_result(index, text) as each
        reply arrives (one at a time). The first error stops it; replies already recorded stay."""
        lock = threading.Lock()

        def one(index: int) -> None:
            text = self._complete(prompts[index])
            with lock:
                on_result(index, text)

        with ThreadPoolExecutor(self.max_concurrency) as pool:
            list(pool.map(one, range(len(prompts))))

    def label_probs(self, messages: list[dict[str, str]], labels: tuple[str, ...]) -> list[float]:
        """llmtf_open's ApiVLLMModel.calculate_tokens_proba: continue the final assistant message
        by one token; each label's probability is exp(logprob) of the token equal to it among
        the top log-probabilities, 0 if absent."""
        reply = self._post(
            {
                "model": self.model,
                "messages": messages,
                "max_tokens": 1,
                "temperature": 0,
                "logprobs": True,
                "top_logprobs": self.top_logprobs,
                # vLLM server extensions: continue the begun assistant turn, as llmtf_open asked for
                "add_generation_prompt": False,
                "continue_final_message": True,
                "skip_special_tokens": False,
            }
        )
        try:
            top = self._choice(reply)["logprobs"]["content"][0]["top_logprobs"]
            probs = {entry["token"]: math.exp(float(entry["logprob"])) for entry in top}
        except (KeyError, IndexError, TypeError, ValueError):
            raise UnusableReply(f"reply lacks logprobs.content[0].top_logprobs: {json.dumps(reply)[:200]}") from None
        return [probs.get(label, 0.0) for label in labels]

    def judge(self, todo: list[dict], mode: str, on_result) -> list[tuple[str, str]]:
        """Judge every game; returns (key, reason) of the games without a usable reply (not recorded)."""
        if mode == "logprobs":
            raise RualignError("judge.mode logprobs needs a local judge; use generate with an endpoint")
        lock, down = threading.Lock(), threading.Event()
        failed: list[tuple[str, str]] = []

        def one(game: dict) -> None:
            if down.is_set():
                failed.append((game["key"], "not sent: the endpoint was down"))
                return
            messages = judge_messages(game["question"], game["answer_a"], game["answer_b"], mode)
            try:
                if mode == "llmtf":
                    result = llmtf_result(game, *self.label_probs(messages, LLMTF_LABELS), source="top_logprobs")
                else:
                    text = self._complete(messages)
                    result = {"judgment": text, "label": parse_verdict(text)}
            except EndpointDown as err:
                down.set()
                with lock:
                    failed.append((game["key"], str(err)))
                return
            except RualignError as err:  # an unusable reply, or an HTTP error such as 400 for this game
                with lock:
                    failed.append((game["key"], str(err)))
                return
            with lock:
                on_result(game, result)

        with ThreadPoolExecutor(self.max_concurrency) as pool:
            list(pool.map(one, todo))
        if self.retried:
            log.warning("judge endpoint: %d request(s) retried after transient faults", self.retried)
        return failed


class LocalJudge:
    """A catalogue model run in-process through a generation backend."""

    def __init__(self, backend, max_new_tokens: int, max_answer_tokens: int = 0):
        self.backend, self.max_new_tokens, self.max_answer_tokens = backend, max_new_tokens, max_answer_tokens

    def judge(self, todo: list[dict], mode: str, on_result) -> list[tuple[str, str]]:
        from rualign.generation import SamplingParams, render_chat

        tok, cap = self.backend.tokenizer, self.max_answer_tokens
        messages = [
            judge_messages(g["question"], shorten(g["answer_a"], tok, cap), shorten(g["answer_b"], tok, cap), mode)
            for g in todo
        ]
        if mode == "llmtf":
            # The begun assistant turn: the chat template's generation prompt, then the prefix.
            prompts = render_chat(tok, [m[:-1] for m in messages], assistant_prefix=LLMTF_ASSISTANT_PREFIX)
            scores = self.backend.next_token_logprobs(prompts, list(LLMTF_LABELS))
            for game, (lp_first, lp_second) in zip(todo, scores, strict=True):
                on_result(game, llmtf_result(game, math.exp(lp_first), math.exp(lp_second), source="softmax"))
            return []
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
        return []


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


GAME_FIELDS = ("key", "question_id", "reference", "game", "model_side", "model_first", "lens")


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
    mode = arena_mode(judge_cfg)
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
    settings = {"judge": judge_cfg, "texts": texts}
    cache, todo = resume(f"judge_arena ({mode})", cache_dir, settings, all_games, judge_model_dir, key="key")
    failed_file = cache.path.with_suffix(".failed.json")
    failed_before = set(read_json(failed_file)) if failed_file.exists() else set()
    retrying = sum(g["key"] in failed_before for g in todo)
    if retrying:
        log.info("judge_arena (%s): %d of them without a usable reply in an earlier run", mode, retrying)
    failed: list[tuple[str, str]] = []
    if todo:
        if judge_cfg["backend"] == "openai":
            judge: OpenAIJudge | LocalJudge = OpenAIJudge(
                judge_cfg["base_url"],
                judge_cfg["model"],
                judge_cfg["api_key_env"],
                judge_cfg["max_new_tokens"],
                judge_cfg["max_concurrency"],
                judge_cfg["timeout_s"],
                retries=judge_cfg.get("max_retries", 5),
                top_logprobs=judge_cfg.get("top_logprobs", 20),
            )
        else:
            from rualign.generation import make_backend

            backend = make_backend(judge_model_dir, compute, trust_remote_code, judge_cfg["tensor_parallel_size"])
            judge = LocalJudge(backend, judge_cfg["max_new_tokens"], judge_cfg["max_answer_tokens"])

        def record(game: dict, result: dict) -> None:
            if mode == "llmtf" and judge_cfg.get("label_probability") == "pair_normalised":
                result = pair_normalised(result)
            row = {k: game[k] for k in GAME_FIELDS} | {"mode": mode} | result
            if "outcome" not in row:
                row["outcome"] = outcome_for_model(result["label"], game["model_side"])
            cache.add(row)

        failed = judge.judge(todo, mode, record)
    if failed:
        write_json_atomic(failed_file, sorted(key for key, _ in failed))
        raise RualignError(
            f"arena: {len(failed)} of {len(todo)} judgment(s) got no usable reply and were not cached "
            f"(a rerun retries them), e.g. {failed[0][0]}: {failed[0][1]}"
        )
    failed_file.unlink(missing_ok=True)
    # Game fields come from this run (rows cached by an older version may lack some).
    rows = [cache.rows[g["key"]] | {k: g[k] for k in GAME_FIELDS} | {"mode": mode} for g in all_games]
    if mode == "logprobs":
        rows = calibrate_margins(rows)
    write_jsonl_atomic(out, rows)
    write_json_atomic(sidecar(out), prov.block(n_games=len(rows), mode=mode, retried_failed=retrying))


# ---------------------------------------------------------------- scoring
OUTCOME_VALUE = {"win": 1.0, "tie": 0.5, "loss": 0.0}


def arena_games(judgments: list[dict]) -> tuple[list[dict], int]:
    """Judgments as `rualign.metrics.arena_score` games, and how many pairs were left out.

    llmtf protocol: p as judged (a game with neither label among the endpoint's top logprobs has
    p = 0 and stays in, as upstream). arena_hard_ru: p = 1 for a win, 1/2 a tie, 0 a loss; a
    (question, reference) pair with an invalid game is left out (it has no p)."""
    pairs: dict[tuple[str, str], list[dict]] = {}
    for j in judgments:
        pairs.setdefault((j["question_id"], j["reference"]), []).append(j)
    out, dropped = [], 0
    for (qid, ref), pair in pairs.items():
        llmtf = all(j.get("mode") == "llmtf" for j in pair)
        if not llmtf and any(j["outcome"] == "invalid" for j in pair):
            dropped += 1
            continue
        for j in pair:
            if "lens" not in j:
                raise RualignError(f"judgment {j.get('key')}: no 'lens' (judged by an older rualign): rejudge")
            out.append(
                {
                    "id": qid,
                    "model_name": "model",
                    "reference_model_name": ref,
                    "model_first": j.get("model_first", j.get("model_side") == "A"),
                    "p": float(j["p"]) if llmtf else OUTCOME_VALUE[j["outcome"]],
                    "lens": j["lens"],
                }
            )
    return out, dropped


def _bootstrap_arena(games_: list[dict], resamples: int, seed: int) -> list[float] | None:
    """95 % percentile interval of the length-controlled arena score over questions resampled with
    replacement. Each resample is scored in closed form: every game is between the model and one
    reference, so the Bradley-Terry fit of `rualign.metrics.arena_score` is the weighted win share
    against each reference (its value, degenerate cases included); the std of the length deltas is
    recomputed per resample, as a rerun of arena_score on the resampled games would."""
    import numpy as np

    pairs: dict[tuple[str, str], list[dict]] = {}
    for g in games_:
        pairs.setdefault((str(g["id"]), g["reference_model_name"]), []).append(g)
    questions = sorted({q for q, _ in pairs})
    refs = sorted({r for _, r in pairs})
    if len(questions) < 2 or not resamples:
        return None
    q_index = {q: i for i, q in enumerate(questions)}
    q_of = np.array([q_index[q] for q, _ in pairs])
    r_of = np.array([refs.index(r) for _, r in pairs])
    win = np.array([float(sum(float(g["p"]) for g in pair) / len(pair) >= 0.5) for pair in pairs.values()])
    delta = np.array([float(p[0]["lens"]["reference"]) - float(p[0]["lens"]["model"]) for p in pairs.values()])
    rng = np.random.default_rng(seed)
    values = np.empty(resamples)
    for b in range(resamples):
        m = np.bincount(rng.integers(0, len(questions), len(questions)), minlength=len(questions))[q_of].astype(float)
        shares = []
        for r in range(len(refs)):
            sel = (r_of == r) & (m > 0)
            if not sel.any():
                continue
            mm, dd = m[sel], delta[sel]
            n = 2 * mm.sum()  # each pair has two games, as upstream's std counts them
            mean = (mm * dd).sum() / mm.sum()
            std = np.sqrt((2 * mm * (dd - mean) ** 2).sum() / (n - 1)) if n > 1 else np.nan
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                w = np.where(dd == 0, 0.5, 1.0 / (1.0 + np.exp(-dd / std)) if std > 0 else (dd > 0).astype(float))
            total = (mm * w).sum()
            shares.append((mm * w * win[sel]).sum() / total if total > 0 else 0.5)
        values[b] = np.mean(shares)
    low, high = np.quantile(values, [0.025, 0.975])
    return [float(low), float(high)]


def answer_tokens(answers: list[dict]) -> tuple[dict[str, int], dict[str, int]]:
    """Answer id -> its length in cl100k_base tokens (the thesis's unit), and in the model's own tokens."""
    return {a["id"]: count_cl100k(a["output"]) for a in answers}, {a["id"]: a["n_tokens"] for a in answers}


def answer_length_block(cl100k: dict[str, int], own: dict[str, int], resamples: int, seed: int) -> dict[str, Any]:
    """The answer_length metric: mean answer length in cl100k_base tokens (the thesis's unit), its
    bootstrap CI over answers, and the mean in the model's own tokens; both maps are answer id -> tokens."""
    block: dict[str, Any] = {
        "value": M.mean([float(v) for v in cl100k.values()]),
        "n": len(cl100k),
        "unit": "tiktoken cl100k_base tokens (as the thesis)",
        "model_tokens": M.mean([float(v) for v in own.values()]),
        "model_tokens_unit": "tokens of the evaluated model's tokenizer",
    }
    if resamples:
        block["ci95"] = list(M.bootstrap_ci([float(v) for v in cl100k.values()], resamples, seed=seed))
    return block


def score_answer_length(
    experiment: str, items_path: Path, answers_path: Path, evaluation: dict, seed: int, out: Path
) -> None:
    """An arena score file with answer_length alone (no judge): what the pipeline checks read."""
    prov = Provenance(
        "score_answer_length",
        inputs={"items": items_path, "answers": answers_path},
        config={"evaluation": evaluation},
        seed=seed,
    )
    answers = read_jsonl(answers_path, required={"id": str, "output": str, "n_tokens": int})
    expected = {item["id"] for item in read_jsonl(items_path, required={"id": str})}
    if {a["id"] for a in answers} != expected:
        raise RualignError(f"{answers_path}: the answers do not match the items of {items_path}")
    cl100k, own = answer_tokens(answers)
    per_item = [{"id": a["id"], "answer_tokens": cl100k[a["id"]], "answer_model_tokens": own[a["id"]]} for a in answers]
    metrics = {"answer_length": answer_length_block(cl100k, own, evaluation["bootstrap_resamples"], seed)}
    write_score(out, experiment, "ru_arena_hard", per_item, metrics, prov)


def score_arena(
    experiment: str, judgments_path: Path, answers_path: Path, evaluation: dict, seed: int, out: Path
) -> None:
    """judge_winrate = llmtf_open's length-controlled Bradley-Terry score (rualign.metrics.arena_score);
    judge_win_share = the plain share of games won (tie 1/2); answer_length in cl100k_base tokens."""
    prov = Provenance(
        "score_arena",
        inputs={"judgments": judgments_path, "answers": answers_path},
        config={"evaluation": evaluation},
        seed=seed,
    )
    judgments = read_jsonl(judgments_path, required={"question_id": str, "reference": str, "outcome": str})
    answers = read_jsonl(answers_path, required={"id": str, "output": str, "n_tokens": int})
    if not judgments:
        raise RualignError(f"{judgments_path}: no judgments")
    counts = {k: sum(j["outcome"] == k for j in judgments) for k in ("win", "tie", "loss", "invalid")}
    invalid_share = counts["invalid"] / len(judgments)
    max_invalid = evaluation.get("arena_max_invalid_share", 0.05)
    modes = sorted({j.get("mode", "arena_hard_ru") for j in judgments})
    if invalid_share > max_invalid:
        raise RualignError(
            f"{judgments_path}: {counts['invalid']} of {len(judgments)} judgments invalid ({invalid_share:.1%}), "
            f"above evaluation.arena_max_invalid_share = {max_invalid:.1%}; check the judge"
        )
    if counts["invalid"]:
        log.warning(
            "arena: %d of %d judgments invalid (%.1f%%)", counts["invalid"], len(judgments), 100 * invalid_share
        )
    valid = [j for j in judgments if j["outcome"] != "invalid"]
    if not valid:
        raise RualignError(f"{judgments_path}: no valid judgment among {len(judgments)}")
    per_question: dict[str, list[float]] = {}
    for j in valid:
        per_question.setdefault(j["question_id"], []).append(OUTCOME_VALUE[j["outcome"]])
    cl100k, own = answer_tokens(answers)
    per_item = [
        {
            "id": qid,
            "win_share": M.mean(v),
            "n_comparisons": len(v),
            "answer_tokens": cl100k.get(qid),
            "answer_model_tokens": own.get(qid),
        }
        for qid, v in per_question.items()
    ]
    arena_in, dropped = arena_games(judgments)
    if not arena_in:
        raise RualignError(f"{judgments_path}: no (question, reference) pair with two valid games")
    lc = M.arena_score(arena_in, length_control=True)
    plain = M.arena_score(arena_in, length_control=False)
    if lc["degenerate"]:
        log.warning(
            "arena: Bradley-Terry fit degenerate (never beaten: %s; never lost to: %s): judge_winrate = %.4f is "
            "the limit of the fit; llmtf_open would report %.4f",
            lc["never_beaten"],
            lc["never_lost_to"],
            lc["value"],
            lc["upstream_value"],
        )
    resamples = evaluation["bootstrap_resamples"]
    winrate: dict[str, Any] = {
        **lc,
        "value_no_length_control": plain["value"],
        "n": lc["n_pairs"],
        "pairs_left_out": dropped,
        "judge_modes": modes,
        **counts,
        "invalid_share": invalid_share,
    }
    win_share: dict[str, Any] = {
        "value": M.mean([OUTCOME_VALUE[j["outcome"]] for j in valid]),
        "estimator": "share of games won, tie = 1/2, invalid games left out",
        "n": len(valid),
        **counts,
        "tie_weight": 0.5,
    }
    length = answer_length_block(cl100k, own, resamples, seed)
    if resamples:
        # Resample questions, not single comparisons: the comparisons of one question are correlated.
        ci = _bootstrap_arena(arena_in, resamples, seed)
        if ci:
            winrate["ci95"] = ci
        win_share["ci95"] = list(M.bootstrap_ci([p["win_share"] for p in per_item], resamples, seed=seed))
    write_score(
        out,
        experiment,
        "ru_arena_hard",
        per_item,
        {"judge_winrate": winrate, "judge_win_share": win_share, "answer_length": length},
        prov,
    )
