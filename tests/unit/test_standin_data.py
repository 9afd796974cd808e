import json

from tests.workflow_helpers import ROOT


def _rows(path):
    return [json.loads(line) for line in (ROOT / path).read_text(encoding="utf-8").splitlines()]


def test_ru_mcq_standin_schema():
    rows = _rows("data/mmlu/ru/standin_ru_mcq.jsonl")
    assert len(rows) == 60
    assert len({r["question"] for r in rows}) == 60
    for row in rows:
        assert set(row) == {"subject", "question", "choice0", "choice1", "choice2", "choice3", "answer"}
        assert isinstance(row["answer"], int) and 0 <= row["answer"] <= 3
        assert len({row[f"choice{i}"] for i in range(4)}) == 4
    assert {r["answer"] for r in rows} == {0, 1, 2, 3}


def test_qasper_standin_answers_occur_in_their_documents():
    rows = _rows("data/qasper/ru/standin_ru_longdoc_qa.jsonl")
    assert len(rows) >= 12
    for row in rows:
        assert row["input"] and row["positive_outputs"]
        for answer in row["positive_outputs"]:
            assert answer.lower() in row["context"].lower()
    assert len({r["metadata"]["id"] for r in rows}) == len(rows)
