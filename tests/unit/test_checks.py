"""Pipeline checks: the canaries' training rows (rualign/canary_data.py) and verdicts (rualign/checks.py)."""

from collections import Counter

import pytest

from rualign import canary_data, checks
from rualign import config as config_mod
from rualign.benchmarks import prepare
from rualign.evaluate import write_score
from rualign.io import RualignError, read_json, read_jsonl, write_jsonl_atomic
from rualign.judge import score_answer_length
from rualign.provenance import Provenance


def test_the_committed_training_rows_are_what_the_builder_writes():
    built = canary_data.build()
    for name, rows in built.items():
        assert read_jsonl(canary_data.ROOT / canary_data.OUTPUTS[name]) == rows, "rerun python -m rualign.canary_data"


def test_training_rows_share_no_story_with_the_rows_the_checks_and_tables_evaluate():
    config = config_mod.load()
    read = max(config["checks"]["limit"], config["benchmarks"]["babilong_qa1"]["limit"])
    assert read <= canary_data.FIRST_ROW
    source = read_jsonl(canary_data.ROOT / canary_data.SOURCE)
    evaluated = [canary_data.examples([row]) for row in source[:read]]
    contexts = {item["context"] for pairs in evaluated for item, _ in pairs}
    trained = {item["context"] for item, _ in canary_data.examples(source[canary_data.FIRST_ROW :])}
    assert not contexts & trained


def test_each_example_asks_about_one_who_moved_last_and_answers_their_last_place():
    row = {"input": "Mary went to the kitchen. John moved to the garden. Mary travelled to the office."}
    pairs = canary_data.examples([row])
    assert [item["context"].count(".") for item, _ in pairs] == [2, 3]  # prefixes of 2 facts or more
    answers = {"Мария": ["кухня", "офис"], "Иван": ["сад", "сад"]}  # after 2 facts, after 3
    for k, (item, answer) in enumerate(pairs):
        person = next(name for name in answers if name in item["input"])
        assert answer == answers[person][k]


def test_the_shuffled_copy_keeps_prompts_and_answers_but_not_their_pairing():
    built = canary_data.build()
    stories, shuffled = built["stories"], built["shuffled"]
    assert [r["messages"][:-1] for r in stories] == [r["messages"][:-1] for r in shuffled]
    answers = [r["messages"][-1]["content"] for r in stories]
    moved = [r["messages"][-1]["content"] for r in shuffled]
    assert Counter(answers) == Counter(moved)
    assert sum(a == b for a, b in zip(answers, moved, strict=True)) < len(answers) / 2


def test_length_pairs_come_from_arena_questions_no_evaluation_reads():
    config = config_mod.load()
    arena = config["benchmarks"]["ru_arena_hard"]
    read = max(config["checks"]["limit"], arena["limit"])
    assert read <= canary_data.FIRST_ARENA_QUESTION
    evaluated = {item["prompt"] for item in prepare("ru_arena_hard", {**arena, "limit": read}, canary_data.ROOT, 0)}
    rows = canary_data.build()["length_pairs"]
    assert len(rows) >= 40 and not evaluated & {row["prompt"][0]["content"] for row in rows}
    for row in rows:
        assert len(row["long"]) >= canary_data.MIN_LENGTH_RATIO * len(row["short"]) and row["long"].strip()
        assert len(row["short"].split()) >= canary_data.MIN_SHORT_WORDS


def test_the_short_answer_is_the_first_sentence_without_markdown():
    answer = "**Ответ:** Небо голубое из-за рассеяния. Подробнее ниже.\n\n1. Рэлей"
    assert canary_data.first_sentence(answer) == "Ответ: Небо голубое из-за рассеяния."
    assert canary_data.first_sentence("## Заголовок без точки\nтекст.") == "Заголовок без точки"


def test_the_two_length_datasets_read_one_file_with_chosen_and_rejected_swapped():
    datasets = config_mod.load()["datasets"]
    short, long = datasets["arena_short_preferred"], datasets["arena_long_preferred"]
    assert short["source"] == long["source"]
    assert (short["fields"]["chosen"], short["fields"]["rejected"]) == ("short", "long")
    assert (long["fields"]["chosen"], long["fields"]["rejected"]) == ("long", "short")


def test_answer_length_scores_a_checks_arena_answers_without_a_judge(tmp_path):
    items, answers, out = tmp_path / "items.jsonl", tmp_path / "answers.jsonl", tmp_path / "score.json"
    write_jsonl_atomic(items, [{"id": "1"}, {"id": "2"}])
    write_jsonl_atomic(
        answers,
        [{"id": "1", "output": "Да.", "n_tokens": 2}, {"id": "2", "output": "Нет, это не так.", "n_tokens": 6}],
    )
    score_answer_length("canary", items, answers, {"bootstrap_resamples": 200}, 1, out)
    block = read_json(out)["metrics"]["answer_length"]
    assert block["n"] == 2 and block["model_tokens"] == 4.0
    assert block["ci95"][0] <= block["value"] <= block["ci95"][1]
    write_jsonl_atomic(answers, [{"id": "1", "output": "Да.", "n_tokens": 2}])
    with pytest.raises(RualignError, match="do not match the items"):
        score_answer_length("canary", items, answers, {"bootstrap_resamples": 0}, 1, out)


@pytest.mark.parametrize(
    ("expect", "mine", "theirs", "passed"),
    [
        ("up", (0.4, [0.2, 0.6]), (0.0, [0.0, 0.0]), True),
        ("up", (0.1, [0.0, 0.3]), (0.0, [0.0, 0.0]), False),  # higher, but the CIs overlap
        ("down", (0.1, [0.0, 0.2]), (0.5, [0.3, 0.7]), True),
        ("down", (0.5, [0.3, 0.7]), (0.1, [0.0, 0.2]), False),
        ("none", (0.2, [0.1, 0.3]), (0.25, [0.15, 0.35]), True),
        ("none", (0.6, [0.5, 0.7]), (0.1, [0.0, 0.2]), False),
    ],
)
def test_a_verdict_needs_the_sign_and_the_cis(expect, mine, theirs, passed):
    block = lambda v: {"value": v[0], "ci95": v[1]}  # noqa: E731
    assert checks.verdict({"expect": expect}, block(mine), block(theirs))["passed"] is passed


def test_without_cis_the_sign_or_the_tolerance_decides():
    canary = {"expect": "none", "tolerance": 0.05}
    assert checks.verdict(canary, {"value": 0.32}, {"value": 0.3}) == {
        "delta": pytest.approx(0.02),
        "cis_apart": None,
        "passed": True,
    }
    assert checks.verdict({"expect": "up"}, {"value": 0.32}, {"value": 0.3})["passed"]


def test_a_margin_is_the_least_move_that_passes():
    canary = {"expect": "down", "margin": 5}
    short, base = {"value": 20.0, "ci95": [18.0, 22.0]}, {"value": 28.0, "ci95": [26.0, 30.0]}
    assert checks.verdict(canary, short, base)["passed"]
    assert not checks.verdict({**canary, "margin": 10}, short, base)["passed"]  # CIs apart, but 8 < 10
    assert not checks.verdict({**canary, "margin": 10}, {"value": 20.0}, {"value": 28.0})["passed"]


def test_check_all_writes_every_canarys_verdict(tmp_path):
    experiments = {
        "baseline": {"canary": None},
        "canary": {"canary": {"metric": "babilong_qa1", "expect": "up", "against": "baseline"}},
        "control": {"canary": {"metric": "babilong_qa1", "expect": "down", "against": "canary"}},
    }
    assert checks.runs(experiments) == [(e, "babilong_qa1") for e in ("baseline", "canary", "control")]
    for exp, value in {"baseline": 0.0, "canary": 0.5, "control": 0.45}.items():
        block = {"value": value, "n": 20, "ci95": [max(0.0, value - 0.2), value + 0.2]}
        path = tmp_path / checks.score_path(exp, "babilong_qa1")
        write_score(path, exp, "babilong_qa1", [], {"babilong_qa1": block}, Provenance("score"))
    out = tmp_path / "checks.json"
    assert not checks.check_all(experiments, tmp_path, out)  # the control did not fall below the canary
    doc = read_json(out)
    assert [(r["experiment"], r["passed"]) for r in doc["checks"]] == [("canary", True), ("control", False)]
    assert doc["passed"] is False and set(doc["provenance"]["inputs"]) == {
        "baseline/babilong_qa1",
        "canary/babilong_qa1",
        "control/babilong_qa1",
    }
