import json
import re

import pytest

from rualign.babilong_ru import build_babilong, split_facts, translate_answer, translate_fact, translate_question
from tests.workflow_helpers import ROOT


def _rows(task):
    path = ROOT / f"data/babi/en/qa{task}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _words(text):
    return len(text.split())


@pytest.mark.parametrize("task", [1, 2, 3, 4, 5])
def test_every_real_row_translates_without_latin_left(task):
    for row in _rows(task):
        texts = [translate_fact(f) for f in split_facts(row["input"])]
        texts += [translate_question(row["question"]), translate_answer(row["target"])]
        for text in texts:
            assert not re.search("[A-Za-z]", text), text


@pytest.mark.parametrize(
    ("english", "russian"),
    [
        ("Mary went to the kitchen.", "Мария пошла на кухню."),
        ("John went back to the bathroom.", "Иван вернулся в ванную."),
        ("Sandra picked up the milk there.", "Сандра подобрала молоко там."),
        ("Fred gave the football to Julie.", "Фёдор дал мяч Юлии."),
        ("The office is east of the hallway.", "Офис находится к востоку от коридора."),
    ],
)
def test_fact_translations(english, russian):
    assert translate_fact(english) == russian


def test_question_translations():
    assert translate_question("What is the office east of?") == "К востоку от чего находится офис?"
    assert translate_question("Who did Julie give the apple to?") == "Кому Юлия дала яблоко?"
    assert translate_question("Where was the milk before the garden?") == (
        "Где находилось молоко перед тем, как оказалось в саду?"
    )
    assert translate_answer("bedroom") == "спальня"


def test_unknown_grammar_is_an_error():
    with pytest.raises(ValueError, match="outside the translated grammar"):
        translate_fact("Mary flew to the moon.")


FILLER = [f"Предложение наполнителя номер {i} о погоде." for i in range(40)]


def test_facts_appear_in_order_and_length_is_near_target():
    rows = _rows(2)[:3]
    samples = build_babilong(rows, "ru_babilong_qa2", {"s": 200}, FILLER, _words, seed=7)
    assert [s["length"] for s in samples] == ["s"] * 3
    for row, sample in zip(rows, samples, strict=True):
        facts = [translate_fact(f) for f in split_facts(row["input"])]
        position = 0
        for fact in facts:  # each fact found after the previous one (facts can repeat)
            position = sample["context"].index(fact, position) + len(fact)
        fact_words = _words(" ".join(facts))
        if fact_words < 200:
            assert abs(_words(sample["context"]) - 200) <= 20
        assert sample["positive_outputs"] == [translate_answer(row["target"])]


def test_build_is_deterministic_per_seed():
    rows = _rows(1)[:2]
    a = build_babilong(rows, "ru_babilong_qa1", {"s": 150}, FILLER, _words, seed=1)
    b = build_babilong(rows, "ru_babilong_qa1", {"s": 150}, FILLER, _words, seed=1)
    c = build_babilong(rows, "ru_babilong_qa1", {"s": 150}, FILLER, _words, seed=2)
    assert a == b
    assert [s["context"] for s in a] != [s["context"] for s in c]
