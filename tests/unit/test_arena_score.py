"""rualign.metrics.arena_score against llmtf_open@97b3022's golden vectors (tests/fidelity)."""

import json
from pathlib import Path

import pytest

from rualign.metrics import arena_score

GOLDEN = json.loads((Path(__file__).parents[1] / "fidelity" / "arena_score.json").read_text(encoding="utf-8"))
SCENARIOS = {s["name"]: s for s in GOLDEN["scenarios"]}
REGULAR = [name for name in SCENARIOS if name != "scenario4"]


@pytest.mark.parametrize("name", REGULAR)
def test_golden_scores(name):
    scenario = SCENARIOS[name]
    with_lc = arena_score(scenario["games"], length_control=True)
    without = arena_score(scenario["games"], length_control=False)
    assert with_lc["value"] == pytest.approx(scenario["score_len_control"], abs=1e-4)
    assert without["value"] == pytest.approx(scenario["score_no_len_control"], abs=1e-4)
    assert not with_lc["degenerate"] and not without["degenerate"]
    assert with_lc["length_control"] and not without["length_control"]
    # the fitted probabilities equal the weighted win shares: one model against each reference
    for ref in with_lc["per_reference"].values():
        assert ref["p_model_wins"] == pytest.approx(ref["weighted_win_share"], abs=1e-6)


def test_degenerate_is_flagged_not_half():
    scenario = SCENARIOS["scenario4"]
    res = arena_score(scenario["games"], length_control=True)
    assert res["degenerate"] is True
    assert res["never_beaten"] == ["gigachat_max_26.20_uncen", "gpt-4o-mini"]
    assert res["upstream_value"] == pytest.approx(scenario["score_len_control"], abs=1e-4)  # llmtf's 0.5
    assert res["value"] == pytest.approx(0.0206806, abs=1e-6)  # limit of the fit: 0 vs never-beaten refs
    assert res["per_reference"]["gpt-4o-mini"]["p_model_wins"] == 0.0
    plain = arena_score(scenario["games"], length_control=False)
    assert plain["degenerate"] and plain["value"] == pytest.approx(0.01875)


def test_never_lost_to_is_flagged():
    games = [
        {
            "id": i,
            "model_name": "m",
            "reference_model_name": "r",
            "model_first": first,
            "p": 0.9,
            "lens": {"model": 10 + i, "reference": 12},
        }
        for i in range(3)
        for first in (True, False)
    ]
    res = arena_score(games)
    assert res["degenerate"] and res["never_lost_to"] == ["r"] and res["value"] == 1.0


def test_bad_input_is_an_error():
    game = {
        "id": 0,
        "model_name": "m",
        "reference_model_name": "r",
        "model_first": True,
        "p": 0.3,
        "lens": {"model": 1, "reference": 2},
    }
    with pytest.raises(ValueError, match="both orders"):
        arena_score([game])
    with pytest.raises(ValueError, match="probability"):
        arena_score([game | {"p": 1.5}, game | {"model_first": False}])
    with pytest.raises(ValueError, match="one evaluated model"):
        arena_score([game, game | {"model_name": "x"}])
    with pytest.raises(ValueError, match="no games"):
        arena_score([])
