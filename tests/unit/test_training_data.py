"""Training-data recipes: normalisation and bad rows, each filter's boundaries, nesting, determinism."""

import json

import pytest

from rualign import training_data as D
from rualign.io import DataError, RualignError

CHAT_SPEC = {
    "source": {"path": "raw.jsonl"},
    "kind": "chat",
    "fields": {"messages": "messages"},
    "meta_fields": {"opus_score": "int"},
}
RAG_SPEC = {
    "source": {"path": "rag.jsonl"},
    "kind": "chat",
    "fields": {"messages": "conversation"},
    "documents_role": "documents",
    "meta_fields": {"type": "string"},
    "ood_field": "type",
    "ood_values": ["ood"],
}
PREF_SPEC = {
    "source": {"path": "pref.jsonl"},
    "kind": "preference",
    "fields": {"prompt": "prompt", "chosen": "chosen", "rejected": "rejected"},
}


def chat(question: str, answer: str) -> list[dict]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def write_lines(path, rows) -> None:
    with open(path, "wb") as handle:
        for row in rows:
            handle.write(row if isinstance(row, bytes) else json.dumps(row, ensure_ascii=False).encode() + b"\n")


def scored_rows(scores):
    return [{"messages": chat(f"Вопрос {i}?", f"Ответ {i}."), "opus_score": s} for i, s in enumerate(scores)]


def normalised(tmp_path, rows, spec=CHAT_SPEC, on_bad_row="error"):
    write_lines(tmp_path / spec["source"]["path"], rows)
    return D.normalise("ds", spec, tmp_path, on_bad_row)


def recipe(**filters):
    return {"dataset": "ds", "validation_share": 0.0, **filters}


def words(text: str) -> int:
    return len(text.split())


def build(rows, spec=CHAT_SPEC, scores=None, seed=1, **filters):
    return D.build_recipe(
        rows, recipe(**filters), spec, seed, words, lambda m: " ".join(x["content"] for x in m), scores
    )


# ---------------------------------------------------------------- bad rows
@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        ({"opus_score": 9}, "field 'messages'"),  # missing field
        ({"messages": chat("Вопрос?", "  "), "opus_score": 9}, "empty assistant answer"),
        (b'{"messages": [], "opus_score": 9, "x": "\xff"}\n', "not valid UTF-8"),
        ({"messages": chat("Вопрос?", "Ответ."), "opus_score": "8"}, "field 'opus_score' must be int, got str"),
        ({"messages": [{"role": "bot", "content": "Привет"}], "opus_score": 8}, "messages[0].role"),
    ],
)
def test_bad_row_is_one_error_naming_file_line_and_field(tmp_path, bad_line, expected):
    rows = [*scored_rows([8, 9]), bad_line]
    with pytest.raises(DataError) as err:
        normalised(tmp_path, rows)
    message = str(err.value)
    assert f"{tmp_path / 'raw.jsonl'}:3:" in message and expected in message


def test_bad_rows_dropped_and_counted_when_configured(tmp_path):
    rows = [*scored_rows([8]), {"opus_score": 1}, b"\xff\xfe\n", {"messages": chat("В?", ""), "opus_score": 2}]
    kept, stats = normalised(tmp_path, rows, on_bad_row="drop")
    assert [r["id"] for r in kept] == ["ds:1"]
    assert stats["rows_read"] == 4 and stats["rows"] == 1
    assert stats["bad_rows_dropped"] == {"empty_answer": 1, "invalid_utf8": 1, "missing:messages": 1}


def test_documents_turn_is_merged_into_the_system_message(tmp_path):
    row = {
        "conversation": [
            {"role": "system", "content": "Отвечай по документам."},
            {"role": "documents", "content": '[{"doc_id": 0, "content": "Волга впадает в Каспийское море."}]'},
            *chat("Куда впадает Волга?", "В Каспийское море."),
        ],
        "type": "good",
    }
    (normal,), _ = normalised(tmp_path, [row], spec=RAG_SPEC)
    assert [m["role"] for m in normal["messages"]] == ["system", "user", "assistant"]
    assert "Волга впадает" in normal["messages"][0]["content"]
    assert normal["meta"] == {"type": "good"}
    # the thesis's rendering: the documents turn vanished (Qwen2.5's template has no branch for it)
    (thesis,), _ = normalised(tmp_path, [row], spec={**RAG_SPEC, "documents_mode": "drop"})
    assert thesis["messages"][0] == {"role": "system", "content": "Отвечай по документам."}
    assert not any("Волга впадает" in m["content"] for m in thesis["messages"])


def test_preference_rows_accept_message_lists_and_strings(tmp_path):
    rows = [
        {
            "prompt": [{"role": "user", "content": "Q?"}],
            "chosen": [{"role": "assistant", "content": "A."}],
            "rejected": "B.",
        }
    ]
    (pair,), _ = normalised(tmp_path, rows, spec=PREF_SPEC)
    assert pair["rejected"] == [{"role": "assistant", "content": "B."}]


# ---------------------------------------------------------------- filters
@pytest.mark.parametrize(("threshold", "kept"), [(7, [7, 8, 9, 10]), (8, [8, 9, 10]), (9, [9, 10])])
def test_opus_score_threshold_is_inclusive(tmp_path, threshold, kept):
    rows, _ = normalised(tmp_path, scored_rows([6, 7, 8, 9, 10]))
    train, _, stats = build(rows, min_opus_score=threshold)
    assert sorted(r["meta"]["opus_score"] for r in train) == kept
    assert stats["filters"][0] == {
        "filter": f"opus_score >= {threshold}",
        "in": 5,
        "kept": len(kept),
        "dropped": 5 - len(kept),
    }


@pytest.mark.parametrize(("keep", "expected"), [([4, 5], {"ds:4", "ds:5"}), ([5], {"ds:5"})])
def test_judge_score_set(tmp_path, keep, expected):
    rows, _ = normalised(tmp_path, scored_rows([9] * 5))
    scores = {f"ds:{line}": line for line in range(1, 6)}  # ids are source line numbers
    train, _, stats = build(rows, scores=scores, judge_scores=keep)
    assert {r["id"] for r in train} == expected
    assert stats["judge_score_histogram"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1}


def test_judge_scores_do_not_filter_ood_rows(tmp_path):
    rows = [{"conversation": chat(f"В{i}?", f"О{i}."), "type": "ood" if i == 0 else "good"} for i in range(3)]
    normal, _ = normalised(tmp_path, rows, spec=RAG_SPEC)
    train, _, _ = build(normal, spec=RAG_SPEC, scores={"ds:1": 1, "ds:2": 5, "ds:3": 4}, judge_scores=[5])
    assert sorted(r["id"] for r in train) == ["ds:1", "ds:2"]


def test_judge_scores_must_cover_every_row(tmp_path):
    rows, _ = normalised(tmp_path, scored_rows([9] * 3))
    with pytest.raises(RualignError, match="judge scores missing for 1 row"):
        build(rows, scores={"ds:1": 5, "ds:2": 5}, judge_scores=[5])


@pytest.mark.parametrize(("share", "ood_kept"), [(0.1, 1), (0.2, 3), (0.05, 0), (0.0, 0)])
def test_ood_share(tmp_path, share, ood_kept):
    rows = [{"conversation": chat(f"В{i}?", f"О{i}."), "type": "ood" if i >= 18 else "good"} for i in range(24)]
    normal, _ = normalised(tmp_path, rows, spec=RAG_SPEC)
    train, _, stats = build(normal, spec=RAG_SPEC, ood_share=share)
    assert sum(r["meta"]["type"] == "ood" for r in train) == ood_kept  # int(share * 18 in-domain rows)
    assert len(train) == 18 + ood_kept and stats["filters"][0]["ood_kept"] == ood_kept


def test_pair_checks_drop_empty_identical_and_long_chosen(tmp_path):
    def pair(chosen, rejected):
        return {"prompt": [{"role": "user", "content": "Q?"}], "chosen": chosen, "rejected": rejected}

    rows = [
        pair("one two three", "one two"),  # ratio 1.5: kept at 1.5 (boundary), dropped at 1.4
        pair("same answer", "same answer"),
        pair("a b c d", "a"),  # ratio 4
        pair("short", "a much longer rejected answer"),  # one-sided: chosen shorter is fine
        pair("x", " "),
    ]
    normal, _ = normalised(tmp_path, rows, spec=PREF_SPEC, on_bad_row="drop")
    train, _, stats = build(normal, spec=PREF_SPEC, max_length_ratio=1.5)
    assert sorted(r["id"] for r in train) == ["ds:1", "ds:4"]
    assert stats["filters"][-1]["dropped_by"] == {"empty_answer": 1, "identical_answers": 1, "length_ratio": 1}
    train, _, _ = build(normal, spec=PREF_SPEC, max_length_ratio=1.4)
    assert [r["id"] for r in train] == ["ds:4"]


# ---------------------------------------------------------------- order, split, fractions
def test_fractions_nest_and_split_is_disjoint(tmp_path):
    rows, _ = normalised(tmp_path, scored_rows([9] * 40))
    train, validation, _ = D.build_recipe(
        rows, {**recipe(), "validation_share": 0.1}, CHAT_SPEC, 7, words, lambda m: m[0]["content"]
    )
    assert len(validation) == 4 and not {r["id"] for r in validation} & {r["id"] for r in train}
    sizes = {p: D.take_fraction(train, p) for p in (20, 40, 60, 80, 100)}
    assert [len(v) for v in sizes.values()] == [8, 15, 22, 29, 36]
    for small, large in [(20, 40), (40, 60), (60, 80), (80, 100)]:
        assert sizes[large][: len(sizes[small])] == sizes[small]
    assert sizes[100] == train


def test_order_depends_on_seed_and_ids_only(tmp_path):
    rows, _ = normalised(tmp_path, scored_rows([9] * 20))
    first = D.seeded_order(rows, 3)
    assert first == D.seeded_order(list(reversed(rows)), 3)
    assert first != D.seeded_order(rows, 4)


def test_recipe_without_rows_is_an_error(tmp_path):
    rows, _ = normalised(tmp_path, scored_rows([3, 4]))
    with pytest.raises(RualignError, match="keeps no rows"):
        build(rows, min_opus_score=8)


def test_fraction_bounds():
    with pytest.raises(RualignError, match="1..100"):
        D.take_fraction([{"id": "a"}], 0)


def test_length_ratio_keep_share_and_char_unit(tmp_path):
    rows = [
        {"prompt": [{"role": "user", "content": f"Q{i}?"}], "chosen": "a" * 30, "rejected": "b" * 10}
        for i in range(200)
    ]
    normal, _ = normalised(tmp_path, rows, spec=PREF_SPEC)
    train, _, _ = build(normal, spec=PREF_SPEC, max_length_ratio=1.7, length_unit="chars", length_ratio_keep_share=0.2)
    assert 25 <= len(train) <= 55  # about 20 % of the 200 over-ratio pairs, fixed by the seed
    again, _, _ = build(normal, spec=PREF_SPEC, max_length_ratio=1.7, length_unit="chars", length_ratio_keep_share=0.2)
    assert again == train
    # in tokens (here: words) the two answers are one word each: ratio 1, nothing dropped
    assert len(build(normal, spec=PREF_SPEC, max_length_ratio=1.7)[0]) == 200


def test_meta_equals(tmp_path):
    spec = {**PREF_SPEC, "meta_fields": {"sonnet_approved": "bool"}}
    rows = [
        {
            "prompt": [{"role": "user", "content": "Q?"}],
            "chosen": f"A{i}",
            "rejected": "B",
            "sonnet_approved": i % 2 == 0,
        }
        for i in range(4)
    ]
    normal, _ = normalised(tmp_path, rows, spec=spec)
    train, _, stats = build(normal, spec=spec, meta_equals={"sonnet_approved": True})
    assert sorted(r["id"] for r in train) == ["ds:1", "ds:3"] and stats["filters"][0]["dropped"] == 2


def test_same_seed_gives_byte_identical_files(tmp_path, tiny_model_dir):
    write_lines(tmp_path / "raw.jsonl", scored_rows([7, 8, 9, 10] * 5))
    outputs = {}
    for run, seed in [("a", 5), ("b", 5), ("c", 6)]:
        folder = tmp_path / run
        D.normalise_step("ds", CHAT_SPEC, tmp_path, "error", folder / "rows.jsonl", folder / "rows.stats.json")
        recipe_args = (recipe(min_opus_score=8, validation_share=0.1), CHAT_SPEC, folder / "rows.jsonl")
        D.recipe_step(
            "r",
            *recipe_args,
            folder / "rows.stats.json",
            tiny_model_dir,
            seed,
            *(folder / n for n in ("t.jsonl", "v.jsonl", "s.json")),
        )
        outputs[run] = [(folder / n).read_bytes() for n in ("rows.jsonl", "t.jsonl", "v.jsonl", "s.json")]
    assert outputs["a"] == outputs["b"]
    assert outputs["a"][0] == outputs["c"][0] and outputs["a"][1] != outputs["c"][1]
