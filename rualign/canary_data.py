"""Training rows of the bAbI-qa1 pipeline check (tiny scale): Russian bAbI stories with a question and
its answer, in LIBRA's qa1 prompt, as a chat dataset (data/canary/).

They are built from the real bAbI qa1 rows that no evaluation reads (rows FIRST_ROW onwards of
data/babi/en/qa1.jsonl; the tables read 2, the check `checks.limit` <= FIRST_ROW): every prefix of up
to MAX_FACTS facts gives one example, asking where one of the two people who moved last is (bAbI's rule),
translated by the rules of `babilong_ru`. The shuffled copy gives the same prompts the answers of
other examples (a seeded permutation): a control, which can learn the answer's form (a room) but not
which room.

    python -m rualign.canary_data    # rewrites data/canary/*.jsonl (a test checks they match)
"""

from __future__ import annotations

import random
from pathlib import Path

from rualign import babilong_ru
from rualign.benchmarks import messages_for
from rualign.io import read_jsonl, write_jsonl_atomic

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("data/babi/en/qa1.jsonl")
FIRST_ROW = 10  # rows 0-9 are the check's evaluation items (checks.limit <= 10)
MAX_FACTS = 6  # prefixes of up to 6 facts: LIBRA's prompt alone is ~300 tokens, and CPU training time is the cost
OUTPUTS = {
    "stories": Path("data/canary/babi_qa1_stories.jsonl"),
    "shuffled": Path("data/canary/babi_qa1_shuffled.jsonl"),
}
SEED = 1234


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


def build(root: Path = ROOT) -> dict[str, list[dict]]:
    pairs = examples(read_jsonl(root / SOURCE)[FIRST_ROW:])
    return {"stories": chat_rows(pairs, shuffle_answers=False), "shuffled": chat_rows(pairs, shuffle_answers=True)}


def main() -> None:
    for name, rows in build().items():
        write_jsonl_atomic(ROOT / OUTPUTS[name], rows)
        print(f"{OUTPUTS[name]}: {len(rows)} rows")


if __name__ == "__main__":
    main()
