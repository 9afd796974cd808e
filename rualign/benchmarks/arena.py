"""RU Arena Hard: questions with reference answers; the model's answers are judged (rualign.judge).

Items: {id, prompt, cluster, category, references: {model: answer}}.
"""

from __future__ import annotations

from pathlib import Path

from rualign.benchmarks.base import Benchmark, Kind, TokenCounter, limit
from rualign.io import DataError
from rualign.sources import load_rows


def _arena_answer(row: dict, path: str, lineno: int) -> str:
    try:
        return row["choices"][0]["turns"][0]["content"]
    except (KeyError, IndexError, TypeError):
        raise DataError(f"{path}:{lineno}: expected choices[0].turns[0].content (arena-hard model_answer)") from None


def _llmtf_answers(rows: list[dict], questions: list[dict], where: str) -> dict[str, str]:
    """llmtf_open's reference files (llm_as_a_judge_baselines/): a list of {instruction, output}
    in question order, matched by position (as llmtf_open does) and checked by instruction text."""
    if len(rows) != len(questions):
        raise DataError(f"{where}: {len(rows)} llmtf-format answers for {len(questions)} questions")
    answers = {}
    for i, (row, q) in enumerate(zip(rows, questions, strict=True), 1):
        prompt = (q.get("turns") or [{}])[0].get("content")
        if row.get("instruction") != prompt or not isinstance(row.get("output"), str):
            raise DataError(f"{where}:{i}: instruction differs from question {q.get('question_id')} or no output")
        answers[str(q["question_id"])] = row["output"]
    return answers


def prepare(
    bench: Benchmark, spec: dict, root: Path, seed: int, count_tokens: TokenCounter | None = None
) -> list[dict]:
    questions = load_rows(spec["questions"], root)
    references: dict[str, dict[str, str]] = {}
    for model, source in spec["reference_answers"].items():
        rows = load_rows(source, root)
        where = source.get("path") or source.get("url", "?")
        if rows and "instruction" in rows[0] and "question_id" not in rows[0]:
            references[model] = _llmtf_answers(rows, questions, where)
            continue
        references[model] = {str(r["question_id"]): _arena_answer(r, where, i) for i, r in enumerate(rows, 1)}
    items = []
    for lineno, q in enumerate(questions, 1):
        if "question_id" not in q:
            raise DataError(f"arena questions:{lineno}: missing field 'question_id'")
        qid = str(q["question_id"])
        try:
            prompt = q["turns"][0]["content"]
        except (KeyError, IndexError, TypeError):
            raise DataError(f"arena questions:{lineno}: expected turns[0].content") from None
        if not all(qid in answers for answers in references.values()):
            continue
        items.append(
            {
                "id": qid,
                "prompt": prompt,
                "cluster": q.get("cluster"),
                "category": q.get("category"),
                "references": {model: answers[qid] for model, answers in references.items()},
            }
        )
    if not items:
        raise DataError("ru_arena_hard: no question has an answer from every reference model")
    return limit(items, spec["limit"])


def messages(bench: Benchmark, item: dict, spec: dict) -> list[dict[str, str]]:
    system = [{"role": "system", "content": spec["system_prompt"]}] if spec.get("system_prompt") else []
    return [*system, {"role": "user", "content": item["prompt"]}]


KIND = Kind("arena", prepare=prepare, scored_by="judge", messages=messages)
