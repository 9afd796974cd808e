import json

import pytest

from rualign import benchmarks as B
from rualign.io import DataError


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"path": str(path)}


def _answer(qid, text):
    return {"question_id": qid, "choices": [{"index": 0, "turns": [{"content": text}]}]}


def test_arena_keeps_questions_answered_by_every_reference(tmp_path):
    questions = _jsonl(
        tmp_path / "q.jsonl", [{"question_id": i, "turns": [{"content": f"вопрос {i}"}]} for i in (1, 2, 3)]
    )
    ref_a = _jsonl(tmp_path / "a.jsonl", [_answer(1, "a1"), _answer(2, "a2"), _answer(3, "a3")])
    ref_b = _jsonl(tmp_path / "b.jsonl", [_answer(1, "b1"), _answer(3, "b3")])
    spec = {"questions": questions, "reference_answers": {"A": ref_a, "B": ref_b}, "limit": 0}
    items = B.prepare_arena(spec, tmp_path)
    assert [i["id"] for i in items] == ["1", "3"]
    assert items[1]["references"] == {"A": "a3", "B": "b3"}
    assert len(B.prepare_arena({**spec, "limit": 1}, tmp_path)) == 1


def test_arena_reference_with_wrong_schema_names_the_line(tmp_path):
    questions = _jsonl(tmp_path / "q.jsonl", [{"question_id": 1, "turns": [{"content": "q"}]}])
    ref = _jsonl(tmp_path / "a.jsonl", [{"question_id": 1, "answer": "x"}])
    with pytest.raises(DataError, match=r"a\.jsonl:1: expected choices\[0\]\.turns\[0\]\.content"):
        B.prepare_arena({"questions": questions, "reference_answers": {"A": ref}, "limit": 0}, tmp_path)


def test_mmlu_accepts_both_schemas_and_letter_answers(tmp_path):
    rows = [
        {"subject": "s", "question": "q1", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "answer": 2},
        {
            "subject": "s",
            "question_ru": "в2",
            "choices_ru": ["а", "б", "в", "г"],
            "question_en": "q2",
            "choices_en": ["a", "b", "c", "d"],
            "answer": "D",
        },
    ]
    spec = {"data": _jsonl(tmp_path / "m.jsonl", rows), "language": "ru", "limit": 0}
    items = sorted(B.prepare_mmlu(spec, tmp_path, seed=1), key=lambda i: i["id"])
    assert items[0]["answer"] == 2 and items[0]["choices"] == ["a", "b", "c", "d"]
    assert items[1]["question"] == "в2" and items[1]["answer"] == 3


def test_mmlu_bad_answer(tmp_path):
    rows = [{"question": "q", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "answer": 7}]
    with pytest.raises(DataError, match="answer 0-3"):
        B.prepare_mmlu({"data": _jsonl(tmp_path / "m.jsonl", rows), "language": "en", "limit": 0}, tmp_path, 1)


def test_mmlu_shuffle_is_seeded(tmp_path):
    rows = [
        {"question": f"q{i}", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "answer": 0}
        for i in range(20)
    ]
    spec = {"data": _jsonl(tmp_path / "m.jsonl", rows), "language": "en", "limit": 5}
    assert B.prepare_mmlu(spec, tmp_path, 1) == B.prepare_mmlu(spec, tmp_path, 1)
    assert B.prepare_mmlu(spec, tmp_path, 1) != B.prepare_mmlu(spec, tmp_path, 2)


def _libra_rows():
    return [
        {"length": length, "context": f"c{k}", "input": "i", "positive_outputs": ["o"]}
        for length in ("4k", "8k", "64k")
        for k in range(3)
    ]


def test_libra_keeps_configured_lengths_and_limits_per_length(tmp_path):
    spec = {
        "data": _jsonl(tmp_path / "l.jsonl", _libra_rows()),
        "lengths": {"4k": 4096, "8k": 8192},
        "limit": 2,
        "build": None,
    }
    items = B.prepare_libra(B.BENCHMARKS["babilong_qa1"], spec, tmp_path, seed=0)
    assert [(i["length"], i["context"]) for i in items] == [("4k", "c0"), ("4k", "c1"), ("8k", "c0"), ("8k", "c1")]
    assert len({i["id"] for i in items}) == 4


def test_libra_score_is_mean_over_lengths_and_missing_length_counts_zero():
    items = [
        {"id": "a", "length": "4k", "positive_outputs": ["сад"], "negative_outputs": []},
        {"id": "b", "length": "4k", "positive_outputs": ["кухня"], "negative_outputs": []},
        {"id": "c", "length": "8k", "positive_outputs": ["сад"], "negative_outputs": []},
    ]
    generations = {"a": {"output": "В саду."}, "b": {"output": "Сад"}, "c": {"output": "сад"}}
    spec = {"lengths": {"4k": 1, "8k": 2, "16k": 3}}
    per_item, metrics = B.score_libra("babilong_qa1", items, generations, spec, "llmtf", 0, 0)
    block = metrics["babilong_qa1"]
    # 4k: "в саду" lemmatises to "в сад" -> 1, "сад" vs "кухня" -> 0 => 0.5; 8k: 1.0; 16k: none -> 0
    assert block["per_length"] == {"4k": 0.5, "8k": 1.0, "16k": 0.0}
    assert block["value"] == pytest.approx(0.5)
    assert [p["score"] for p in per_item] == [1.0, 0.0, 1.0]


def test_libra_templates_are_verbatim():
    assert "в первом метсе" in B.LIBRA_TEMPLATES["ru_babilong_qa3"]
    assert B.LIBRA_TEMPLATES["ru_babilong_qa2"].endswith("Ответь на вопрос одним словом.\nВопрос: {input}\nОтвет:")
    assert B.LIBRA_TEMPLATES["ru_qasper"].endswith("Вопрос:{input}\nОтвет:")
    assert B.LIBRA_TEMPLATES["ru_babilong_qa4"] == B.LIBRA_TEMPLATES["ru_babilong_qa5"]


def test_messages_fill_templates_literally():
    item = {"context": "Факт {input}", "input": "Где?"}
    (message,) = B.messages_for("babilong_qa1", item, {})
    assert "Факт {input}\n" in message["content"]  # a document's braces stay literal
    assert message["content"].endswith("Вопрос: Где?\nОтвет:")


def test_flores_direction(tmp_path):
    rows = [{"id": 7, "sentence_eng_Latn": "Hello.", "sentence_rus_Cyrl": "Привет."}]
    spec = {"data": _jsonl(tmp_path / "f.jsonl", rows), "limit": 0}
    (en_ru,) = B.prepare_flores(B.BENCHMARKS["flores_en_ru"], spec, tmp_path)
    (ru_en,) = B.prepare_flores(B.BENCHMARKS["flores_ru_en"], spec, tmp_path)
    assert (en_ru["source"], en_ru["reference"]) == ("Hello.", "Привет.")
    assert (ru_en["source"], ru_en["reference"]) == ("Привет.", "Hello.")


def test_flores_score_of_identical_translation_is_one():
    items = [{"id": "1", "reference": "Теперь у нас есть четырёхмесячные мыши."}]
    _, metrics = B.score_flores("flores_en_ru", items, {"1": {"output": items[0]["reference"]}}, True, 0, 0)
    assert metrics["flores_en_ru"]["value"] == pytest.approx(1.0)


def test_flores_accepts_darumeru_inputs(tmp_path):
    rows = [{"inputs": {"en": "Hello.", "ru": "Привет."}}]
    (item,) = B.prepare_flores(
        B.BENCHMARKS["flores_ru_en"], {"data": _jsonl(tmp_path / "d.jsonl", rows), "limit": 0}, tmp_path
    )
    assert (item["source"], item["reference"]) == ("Привет.", "Hello.")


def test_flores_missing_side_names_the_field(tmp_path):
    rows = [{"sentence_eng_Latn": "Hello."}]
    with pytest.raises(DataError, match="sentence_rus_Cyrl"):
        B.prepare_flores(
            B.BENCHMARKS["flores_en_ru"], {"data": _jsonl(tmp_path / "d.jsonl", rows), "limit": 0}, tmp_path
        )


def test_arena_llmtf_reference_files_match_questions_by_position(tmp_path):
    questions = _jsonl(
        tmp_path / "q.jsonl", [{"question_id": i, "turns": [{"content": f"вопрос {i}"}]} for i in (7, 3)]
    )
    llmtf = tmp_path / "Qwen2.5-32B-Instruct.json"
    llmtf.write_text(
        json.dumps([{"instruction": f"вопрос {i}", "output": f"ответ {i}", "generator": "x"} for i in (7, 3)]),
        encoding="utf-8",
    )
    spec = {"questions": questions, "reference_answers": {"Q": {"path": str(llmtf)}}, "limit": 0}
    items = B.prepare_arena(spec, tmp_path)
    assert [(i["id"], i["references"]["Q"]) for i in items] == [("7", "ответ 7"), ("3", "ответ 3")]
    llmtf.write_text(json.dumps([{"instruction": "другой", "output": "x"}, {"instruction": "вопрос 3", "output": "y"}]))
    with pytest.raises(DataError, match=r"Qwen2\.5-32B-Instruct\.json:1: instruction differs"):
        B.prepare_arena(spec, tmp_path)
