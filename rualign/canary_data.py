"""Training rows of the pipeline checks (tiny scale), data/canary/.

bAbI qa1: Russian bAbI stories with a question and its answer, in LIBRA's qa1 prompt, as a chat dataset.

They are built from the real bAbI qa1 rows that no evaluation reads (rows FIRST_ROW onwards of
data/babi/en/qa1.jsonl; the tables read 2, the check `checks.limit` <= FIRST_ROW): every prefix of up
to MAX_FACTS facts gives one example, asking where one of the two people who moved last is (bAbI's rule),
translated by the rules of `babilong_ru`. The shuffled copy gives the same prompts the answers of
other examples (a seeded permutation): a control, which can learn the answer's form (a room) but not
which room.

Answer length: RU Arena Hard questions that no evaluation reads (the answered questions from
FIRST_ARENA_QUESTION on), each with a long answer (gpt-4o-mini's published reference answer) and a short
one (its first sentence). The two SimPO length checks read this one file with the roles swapped
(config: `fields` of the datasets arena_short_preferred / arena_long_preferred).

    python -m rualign.canary_data    # rewrites data/canary/*.jsonl (a test checks they match)
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from rualign import babilong_ru
from rualign.benchmarks import messages_for
from rualign.io import read_jsonl, write_jsonl_atomic

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("data/babi/en/qa1.jsonl")
FIRST_ROW = 10  # rows 0-9 are the check's evaluation items (checks.limit <= 10)
MAX_FACTS = 6  # prefixes of up to 6 facts: LIBRA's prompt alone is ~300 tokens, and CPU training time is the cost
ARENA = Path("data/arena_hard/ru_arena_general")
ARENA_QUESTIONS, ARENA_ANSWERS = ARENA / "question.jsonl", ARENA / "model_answer/gpt-4o-mini.jsonl"
FIRST_ARENA_QUESTION = 20  # answered questions 0-19 are evaluation items (tables and checks: limit <= 20)
MIN_SHORT_WORDS = 4  # a short answer is a sentence, not "Конечно!"
MIN_LENGTH_RATIO = 3  # the long answer has at least 3x the short one's characters
OUTPUTS = {
    "stories": Path("data/canary/babi_qa1_stories.jsonl"),
    "shuffled": Path("data/canary/babi_qa1_shuffled.jsonl"),
    "length_pairs": Path("data/canary/arena_length_pairs.jsonl"),
}
SEED = 1234
_FIRST_SENTENCE = re.compile(r"(.+?[.!?])(?=\s|$)", re.S)


def examples(rows: list[dict], seed: int = SEED) -> list[tuple[dict, str]]:
    """(LIBRA qa1 item without answer, Russian answer) for each story prefix of 2 to MAX_FACTS facts,
    asking, as bAbI qa1 does, about one of the two people who moved last (seeded choice)."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        facts = babilong_ru.split_facts(row["input"])
        where: dict[str, str] = {}
        for k, fact in enumerate(facts[:MAX_FACTS], 1):
            words = fact.rstrip(".").split()  # "<Person> <move verb> to the <place>"
            where[words[0]] = words[-1]
            if k < 2:
                continue
            asked = rng.choice(sorted({f.split()[0] for f in facts[k - 2 : k]}))
            item = {
                "context": " ".join(babilong_ru.translate_fact(f) for f in facts[:k]),
                "input": babilong_ru.translate_question(f"Where is {asked}?"),
            }
            out.append((item, babilong_ru.translate_answer(where[asked])))
    return out


def chat_rows(pairs: list[tuple[dict, str]], shuffle_answers: bool, seed: int = SEED) -> list[dict]:
    answers = [answer for _, answer in pairs]
    if shuffle_answers:
        random.Random(seed).shuffle(answers)
    return [
        {
            "id": f"babi-qa1-{i}",
            "messages": [*messages_for("babilong_qa1", item, {}), {"role": "assistant", "content": answer}],
        }
        for i, ((item, _), answer) in enumerate(zip(pairs, answers, strict=True))
    ]


def first_sentence(answer: str) -> str:
    """The first sentence of an answer's first non-empty line, markdown emphasis and heading marks removed."""
    line = next((line for line in answer.splitlines() if line.strip()), "")
    line = line.replace("**", "").strip().lstrip("#").strip()
    found = _FIRST_SENTENCE.match(line)
    return found.group(1) if found else line


def length_pairs(questions: list[dict], answers: list[dict]) -> list[dict]:
    """{id, prompt, short, long} for the answered arena questions from FIRST_ARENA_QUESTION on whose first
    sentence is a real sentence well shorter than the whole answer."""
    by_id = {row["question_id"]: row["choices"][0]["turns"][0]["content"] for row in answers}
    answered = [q for q in questions if q["question_id"] in by_id]
    rows = []
    for question in answered[FIRST_ARENA_QUESTION:]:
        long = by_id[question["question_id"]].strip()
        short = first_sentence(long)
        if len(short.split()) >= MIN_SHORT_WORDS and len(long) >= MIN_LENGTH_RATIO * len(short):
            rows.append(
                {
                    "id": f"arena-length-{question['question_id']}",
                    "prompt": [{"role": "user", "content": question["turns"][0]["content"]}],
                    "short": short,
                    "long": long,
                }
            )
    return rows


def build(root: Path = ROOT) -> dict[str, list[dict]]:
    pairs = examples(read_jsonl(root / SOURCE)[FIRST_ROW:])
    return {
        "stories": chat_rows(pairs, shuffle_answers=False),
        "shuffled": chat_rows(pairs, shuffle_answers=True),
        "length_pairs": length_pairs(read_jsonl(root / ARENA_QUESTIONS), read_jsonl(root / ARENA_ANSWERS)),
    }


def main() -> None:
    for name, rows in build().items():
        write_jsonl_atomic(ROOT / OUTPUTS[name], rows)
        print(f"{OUTPUTS[name]}: {len(rows)} rows")


if __name__ == "__main__":
    main()
