import json

import pytest

from rualign.judge import games, judge_messages, outcome_for_model, parse_verdict, score_arena


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Мой вердикт: [[A>B]]", "A>B"),
        ("... [[B>>A]]", "B>>A"),
        ("ничья [[A=B]]", "A=B"),
        ("без вердикта", None),
        ("[[A>B]] или [[B>A]]", None),  # two different labels: ambiguous
        ("[[A>B]] ... итого [[A>B]]", "A>B"),  # repeated same label is fine
        ("[[C>A]]", None),
    ],
)
def test_parse_verdict(text, label):
    assert parse_verdict(text) == label


@pytest.mark.parametrize(
    ("label", "side", "outcome"),
    [
        ("A>>B", "A", "win"),
        ("A>B", "B", "loss"),
        ("A=B", "A", "tie"),
        ("B>A", "B", "win"),
        ("B>>A", "A", "loss"),
        (None, "A", "invalid"),
    ],
)
def test_outcome_for_model(label, side, outcome):
    assert outcome_for_model(label, side) == outcome


def test_games_swap_positions_for_every_reference():
    items = [{"id": "1", "prompt": "Вопрос?"}]
    out = games(items, {"1": "model"}, {"gpt": {"1": "ref"}, "giga": {"1": "ref2"}})
    assert len(out) == 4
    game1 = next(g for g in out if g["reference"] == "gpt" and g["game"] == 1)
    game2 = next(g for g in out if g["reference"] == "gpt" and g["game"] == 2)
    assert (game1["answer_a"], game1["answer_b"], game1["model_side"]) == ("ref", "model", "B")
    assert (game2["answer_a"], game2["answer_b"], game2["model_side"]) == ("model", "ref", "A")


def test_logprob_prompt_asks_for_a_letter():
    messages = judge_messages("q", "a", "b", "logprobs")
    assert messages[-1]["content"].endswith("A или B.")
    assert "[[A>>B]]" not in messages[0]["content"]  # the compact instruction of logprob mode
    assert "[[A>>B]]" in judge_messages("q", "a", "b", "generate")[0]["content"]


def test_shorten_cuts_long_answers_only():
    from rualign.judge import shorten

    class WordTokenizer:
        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": text.split()}

        def decode(self, ids):
            return " ".join(ids)

    assert shorten("один два три", WordTokenizer(), 2) == "один два […]"
    assert shorten("один два", WordTokenizer(), 2) == "один два"
    assert shorten("один два три", WordTokenizer(), 0) == "один два три"


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_score_arena_win_share_ties_half_and_invalid_excluded(tmp_path):
    judgments = tmp_path / "j.jsonl"
    answers = tmp_path / "a.jsonl"
    # q1: win, tie -> 0.75 ; q2: loss, invalid -> 0.0 ; overall over 3 valid = (1 + .5 + 0) / 3
    _write(
        judgments,
        [
            {"question_id": "q1", "outcome": "win"},
            {"question_id": "q1", "outcome": "tie"},
            {"question_id": "q2", "outcome": "loss"},
            {"question_id": "q2", "outcome": "invalid"},
        ],
    )
    _write(answers, [{"id": "q1", "n_tokens": 10}, {"id": "q2", "n_tokens": 30}])
    out = tmp_path / "score.json"
    score_arena("exp", judgments, answers, {"bootstrap_resamples": 200}, 0, out)
    doc = json.loads(out.read_text())
    winrate = doc["metrics"]["judge_winrate"]
    assert winrate["value"] == pytest.approx(0.5)
    assert (winrate["win"], winrate["tie"], winrate["loss"], winrate["invalid"], winrate["n"]) == (1, 1, 1, 1, 3)
    assert doc["metrics"]["answer_length"]["value"] == pytest.approx(20.0)
    lo, hi = winrate["ci95"]
    assert 0.0 <= lo <= hi <= 0.75
    assert doc["provenance"]["inputs"]["judgments"]["sha256"]


def test_calibrated_logprob_verdicts_remove_position_bias():
    from rualign.judge import calibrate_margins

    # The judge always prefers A (margins > 0), but prefers A more when A is the reference:
    # without calibration the model would win game 2 and lose game 1 (a meaningless 0.5).
    rows = [{"model_side": "B", "margin": 2.0}, {"model_side": "A", "margin": 1.0}]
    out = calibrate_margins(rows)
    assert [r["position_bias"] for r in out] == [1.5, 1.5]
    assert [r["label"] for r in out] == ["A>B", "B>A"]
    assert [r["outcome"] for r in out] == ["loss", "loss"]
