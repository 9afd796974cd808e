"""Pipeline checks: the canaries' training rows (rualign/canary_data.py) and verdicts (rualign/checks.py)."""

from collections import Counter

import pytest

from rualign import canary_data, checks
from rualign import config as config_mod
from rualign.evaluate import write_score
from rualign.io import read_json, read_jsonl
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
