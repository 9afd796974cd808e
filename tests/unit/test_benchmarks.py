import json

import pytest

from rualign import benchmarks as B
from rualign import metrics as M
from rualign.benchmarks import arena, flores, libra, mmlu
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
    items = arena.prepare(B.BENCHMARKS["ru_arena_hard"], spec, tmp_path, 0)
    assert [i["id"] for i in items] == ["1", "3"]
    assert items[1]["references"] == {"A": "a3", "B": "b3"}
    assert len(arena.prepare(B.BENCHMARKS["ru_arena_hard"], {**spec, "limit": 1}, tmp_path, 0)) == 1


def test_arena_reference_with_wrong_schema_names_the_line(tmp_path):
    questions = _jsonl(tmp_path / "q.jsonl", [{"question_id": 1, "turns": [{"content": "q"}]}])
    ref = _jsonl(tmp_path / "a.jsonl", [{"question_id": 1, "answer": "x"}])
    with pytest.raises(DataError, match=r"a\.jsonl:1: expected choices\[0\]\.turns\[0\]\.content"):
        arena.prepare(
            B.BENCHMARKS["ru_arena_hard"],
            {"questions": questions, "reference_answers": {"A": ref}, "limit": 0},
            tmp_path,
            0,
        )


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
    items = sorted(mmlu.prepare(B.BENCHMARKS["rummlu"], spec, tmp_path, seed=1), key=lambda i: i["id"])
    assert items[0]["answer"] == 2 and items[0]["choices"] == ["a", "b", "c", "d"]
    assert items[1]["question"] == "в2" and items[1]["answer"] == 3


def test_mmlu_bad_answer(tmp_path):
    rows = [{"question": "q", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "answer": 7}]
    with pytest.raises(DataError, match="answer 0-3"):
        mmlu.prepare(
            B.BENCHMARKS["rummlu"],
            {"data": _jsonl(tmp_path / "m.jsonl", rows), "language": "en", "limit": 0},
            tmp_path,
            1,
        )


def test_mmlu_shuffle_is_seeded(tmp_path):
    rows = [
        {"question": f"q{i}", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "answer": 0}
        for i in range(20)
    ]
    spec = {"data": _jsonl(tmp_path / "m.jsonl", rows), "language": "en", "limit": 5}
    assert mmlu.prepare(B.BENCHMARKS["rummlu"], spec, tmp_path, 1) == mmlu.prepare(
        B.BENCHMARKS["rummlu"], spec, tmp_path, 1
    )
    assert mmlu.prepare(B.BENCHMARKS["rummlu"], spec, tmp_path, 1) != mmlu.prepare(
        B.BENCHMARKS["rummlu"], spec, tmp_path, 2
    )


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
    items = libra.prepare(B.BENCHMARKS["babilong_qa1"], spec, tmp_path, seed=0)
    assert [(i["length"], i["context"]) for i in items] == [("4k", "c0"), ("4k", "c1"), ("8k", "c0"), ("8k", "c1")]
    assert len({i["id"] for i in items}) == 4


_LIBRA_ITEMS = [
    {"id": "a", "length": "4k", "positive_outputs": ["сад"], "negative_outputs": []},
    {"id": "b", "length": "4k", "positive_outputs": ["кухня"], "negative_outputs": []},
    {"id": "c", "length": "8k", "positive_outputs": ["сад"], "negative_outputs": []},
    {"id": "d", "length": "8k", "positive_outputs": ["сад"], "negative_outputs": []},
    {"id": "e", "length": "8k", "positive_outputs": ["кухня"], "negative_outputs": []},
]
_LIBRA_GENERATIONS = {
    "a": {"output": "В саду."},
    "b": {"output": "Сад"},
    "c": {"output": "сад"},
    "d": {"output": "сад"},
    "e": {"output": "сад"},
}


def test_libra_head_rows_cuts_the_split_before_the_length_filter(tmp_path):
    rows = [
        {"length": length, "context": "c", "input": "q", "positive_outputs": ["a"], "metadata": {"id": i}}
        for i, length in enumerate(["4k", "64k", "8k", "4k"])
    ]
    spec = {"data": _jsonl(tmp_path / "l.jsonl", rows), "lengths": {"4k": 1, "8k": 2}, "limit": 0, "head_rows": 3}
    items = libra.prepare(B.BENCHMARKS["babilong_qa1"], spec, tmp_path, seed=0)
    assert [i["id"] for i in items] == ["4k-0", "8k-2"]


def test_libra_score_thesis_rounds_per_length_and_averages_lengths_present():
    spec = {"lengths": {"4k": 1, "8k": 2, "16k": 3}}
    per_item, metrics = libra.score_libra(
        B.BENCHMARKS["babilong_qa1"], _LIBRA_ITEMS, _LIBRA_GENERATIONS, spec, "llmtf", 0, 0
    )
    block = metrics["babilong_qa1"]
    # 4k: "в саду" lemmatises to "в сад" -> 1, "сад" vs "кухня" -> 0 => 0.5; 8k: 2/3 -> 0.667; 16k absent
    assert block["per_length"] == {"4k": 0.5, "8k": 0.667}
    assert block["value"] == pytest.approx((0.5 + 0.667) / 2)
    assert [p["score"] for p in per_item] == [1.0, 0.0, 1.0, 1.0, 0.0]


def test_libra_score_configured_lengths_count_a_missing_length_as_zero():
    spec = {"lengths": {"4k": 1, "8k": 2, "16k": 3}}
    _, metrics = libra.score_libra(
        B.BENCHMARKS["babilong_qa1"],
        _LIBRA_ITEMS,
        _LIBRA_GENERATIONS,
        spec,
        "llmtf",
        0,
        0,
        length_decimals=None,
        length_mean="configured",
    )
    block = metrics["babilong_qa1"]
    assert block["per_length"] == pytest.approx({"4k": 0.5, "8k": 2 / 3, "16k": 0.0})
    assert block["value"] == pytest.approx((0.5 + 2 / 3) / 3)


def test_libra_templates_are_verbatim():
    assert "в первом метсе" in libra.LIBRA_TEMPLATES["ru_babilong_qa3"]
    assert libra.LIBRA_TEMPLATES["ru_babilong_qa2"].endswith("Ответь на вопрос одним словом.\nВопрос: {input}\nОтвет:")
    assert libra.LIBRA_TEMPLATES["ru_qasper"].endswith("Вопрос:{input}\nОтвет:")
    assert libra.LIBRA_TEMPLATES["ru_babilong_qa4"] == libra.LIBRA_TEMPLATES["ru_babilong_qa5"]


def test_messages_fill_templates_literally():
    item = {"context": "Факт {input}", "input": "Где?"}
    (message,) = B.messages_for("babilong_qa1", item, {})
    assert "Факт {input}\n" in message["content"]  # a document's braces stay literal
    assert message["content"].endswith("Вопрос: Где?\nОтвет:")


def test_flores_direction(tmp_path):
    rows = [{"id": 7, "sentence_eng_Latn": "Hello.", "sentence_rus_Cyrl": "Привет."}]
    spec = {"data": _jsonl(tmp_path / "f.jsonl", rows), "limit": 0}
    (en_ru,) = flores.prepare(B.BENCHMARKS["flores_en_ru"], spec, tmp_path, 0)
    (ru_en,) = flores.prepare(B.BENCHMARKS["flores_ru_en"], spec, tmp_path, 0)
    assert (en_ru["source"], en_ru["reference"]) == ("Hello.", "Привет.")
    assert (ru_en["source"], ru_en["reference"]) == ("Привет.", "Hello.")


def test_flores_tiny_rows_get_darumeru_slots_and_paper_rows_keep_their_messages(tmp_path):
    rows = [{"id": 7, "sentence_eng_Latn": "Hello {x}.", "sentence_rus_Cyrl": "Привет."}]
    spec = {"data": _jsonl(tmp_path / "f.jsonl", rows), "limit": 0}
    (en_ru,) = flores.prepare(B.BENCHMARKS["flores_en_ru"], spec, tmp_path, 0)
    (ru_en,) = flores.prepare(B.BENCHMARKS["flores_ru_en"], spec, tmp_path, 0)
    assert en_ru["messages"] == [
        {"role": "user", "content": "Переведи текст с английского на русский язык.\nТекст: Hello {x}."}
    ]
    assert ru_en["messages"][0]["content"].startswith("Переведи текст с русского на английский язык.")
    darumeru = [
        {
            "inputs": {"en": "Hi.", "ru": "Привет."},
            "messages": [
                {"role": "user", "content": "С {input} на {output}: {input_text}"},
                {"role": "bot", "content": "Перевод:"},
            ],
        }
    ]
    spec = {"data": _jsonl(tmp_path / "d.jsonl", darumeru), "limit": 0}
    (item,) = flores.prepare(B.BENCHMARKS["flores_ru_en"], spec, tmp_path, 0)
    messages = B.messages_for("flores_ru_en", item, {})
    assert messages[0]["content"] == "С русского на английский: Привет."
    assert B.split_assistant_prefix(messages) == ([messages[0]], "Перевод:")
    ours = B.messages_for("flores_ru_en", item, {"flores_prompt": "rualign"})
    assert ours[0]["content"].endswith("\n\nПривет.") and "В ответе напиши только перевод" in ours[0]["content"]


def test_mmlu_thesis_prompt_has_no_header_and_an_assistant_prefix():
    item = {"subject": "anatomy", "question": "Q?", "choices": ["a", "b", "c", "d"], "answer": 0}
    messages, prefix = mmlu.mmlu_messages(item, "ru")
    assert messages == [{"role": "user", "content": "Q?\nA. a\nB. b\nC. c\nD. d"}] and prefix == "Ответ:"
    assert mmlu.mmlu_messages(item, "en")[1] == "Answer:"
    assert mmlu.mmlu_candidates() == (" A", " B", " C", " D")
    ours, prefix = mmlu.mmlu_messages(item, "ru", "rualign")
    assert "«anatomy»" in ours[0]["content"] and ours[0]["content"].endswith("Ответ:") and prefix == ""
    assert mmlu.mmlu_candidates("rualign") == ("A", "B", "C", "D")


def test_mmlu_score_is_the_category_mean_with_accuracy_beside_it():
    items = [
        {"id": "1", "subject": "anatomy", "answer": 0},
        {"id": "2", "subject": "anatomy", "answer": 1},
        {"id": "3", "subject": "abstract_algebra", "answer": 0},
    ]
    right, wrong = [0.0, -1.0, -2.0, -3.0], [-1.0, -2.0, 0.0, -3.0]  # predicts A, then C
    _, metrics = mmlu.score_mmlu(B.BENCHMARKS["rummlu"], items, [right, wrong, right], 0, 0)
    block = metrics["rummlu"]
    assert block["aggregation"] == "category_mean"
    assert block["value"] == pytest.approx((0.5 + 1.0) / 2) and block["accuracy"] == pytest.approx(2 / 3)
    _, metrics = mmlu.score_mmlu(B.BENCHMARKS["rummlu"], items, [right, wrong, right], 50, 0, aggregation="accuracy")
    assert metrics["rummlu"]["value"] == pytest.approx(2 / 3) and len(metrics["rummlu"]["ci95"]) == 2


def test_tiny_rummlu_standin_subjects_all_map(root):
    import yaml

    tiny = yaml.safe_load((root / "config/scales/tiny.yaml").read_text(encoding="utf-8"))
    extra = tiny["benchmarks"]["rummlu"]["subject_categories"]
    for path in ("data/mmlu/ru/standin_ru_mcq.jsonl", "data/mmlu/en/test_5_per_subject.jsonl"):
        rows = [json.loads(line) for line in (root / path).read_text(encoding="utf-8").splitlines() if line]
        items = [{"subject": r["subject"], "correct": 1} for r in rows]
        assert M.mmlu_category_mean(items, extra)["score"] == 1.0


def test_flores_score_of_identical_translation_is_one():
    items = [{"id": "1", "reference": "Теперь у нас есть четырёхмесячные мыши."}]
    _, metrics = flores.score_flores(
        B.BENCHMARKS["flores_en_ru"], items, {"1": {"output": items[0]["reference"]}}, True, 0, 0
    )
    assert metrics["flores_en_ru"]["value"] == pytest.approx(1.0)
    assert metrics["flores_en_ru"]["tokenizer"] == "llmtf"


def test_flores_value_is_the_thesis_tokenizer_and_ours_is_beside_it():
    items = [{"id": "1", "reference": "Привет, сказал он."}]
    generations = {"1": {"output": "«Привет», — сказал он."}}
    _, metrics = flores.score_flores(B.BENCHMARKS["flores_en_ru"], items, generations, True, 0, 0)
    block = metrics["flores_en_ru"]
    assert block["value"] == block["by_tokenizer"]["llmtf"] < 1.0
    assert block["by_tokenizer"]["unicode"] == pytest.approx(1.0)
    _, ours = flores.score_flores(B.BENCHMARKS["flores_en_ru"], items, generations, True, 0, 0, tokenizer="unicode")
    assert ours["flores_en_ru"]["value"] == pytest.approx(1.0)


def test_flores_accepts_darumeru_inputs(tmp_path):
    rows = [{"inputs": {"en": "Hello.", "ru": "Привет."}}]
    (item,) = flores.prepare(
        B.BENCHMARKS["flores_ru_en"], {"data": _jsonl(tmp_path / "d.jsonl", rows), "limit": 0}, tmp_path, 0
    )
    assert (item["source"], item["reference"]) == ("Привет.", "Hello.")


def test_flores_missing_side_names_the_field(tmp_path):
    rows = [{"sentence_eng_Latn": "Hello."}]
    with pytest.raises(DataError, match="sentence_rus_Cyrl"):
        flores.prepare(
            B.BENCHMARKS["flores_en_ru"], {"data": _jsonl(tmp_path / "d.jsonl", rows), "limit": 0}, tmp_path, 0
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
    items = arena.prepare(B.BENCHMARKS["ru_arena_hard"], spec, tmp_path, 0)
    assert [(i["id"], i["references"]["Q"]) for i in items] == [("7", "ответ 7"), ("3", "ответ 3")]
    llmtf.write_text(json.dumps([{"instruction": "другой", "output": "x"}, {"instruction": "вопрос 3", "output": "y"}]))
    with pytest.raises(DataError, match=r"Qwen2\.5-32B-Instruct\.json:1: instruction differs"):
        arena.prepare(B.BENCHMARKS["ru_arena_hard"], spec, tmp_path, 0)


def test_the_schema_configures_exactly_the_registered_benchmarks_and_every_kind_is_complete():
    from rualign.config import load_schema

    assert set(load_schema()["properties"]["benchmarks"]["properties"]) == set(B.BENCHMARKS)
    assert {bench.kind.name for bench in B.BENCHMARKS.values()} == set(B.KINDS)
    assert {metric.benchmark for metric in B.METRICS.values()} == set(B.BENCHMARKS)
    for kind in B.KINDS.values():
        assert kind.scored_by in ("text", "judge", "next_token"), kind.name
        assert (kind.score is not None) == (kind.scored_by == "text"), kind.name
        assert kind.generative == (kind.scored_by != "next_token"), kind.name
