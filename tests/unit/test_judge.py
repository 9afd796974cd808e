import hashlib
import json
import math
from pathlib import Path

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


LLMTF_PROMPT_SHA256 = "9a2b4de49c8b3dddbf3ddec4c167fc9408fd56072e7e385f9d11bc921128c0f5"


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


def _judgment(qid, ref, game, outcome, p=None, lens=(100, 120)):
    row = {
        "key": f"{qid}|{ref}|{game}",
        "question_id": qid,
        "reference": ref,
        "game": game,
        "model_side": "B" if game == 1 else "A",
        "model_first": game == 2,
        "lens": {"model": lens[0], "reference": lens[1]},
        "outcome": outcome,
        "mode": "generate" if p is None else "llmtf",
    }
    if p is not None:
        row["p"] = p
    return row


def test_score_arena_generate_mode_win_share_and_bt(tmp_path):
    judgments = tmp_path / "j.jsonl"
    answers = tmp_path / "a.jsonl"
    # q1: win, tie -> 0.75 ; q2: loss, invalid -> 0.0 ; plain share over 3 valid = (1 + .5 + 0) / 3
    _write(
        judgments,
        [
            _judgment("q1", "ref", 1, "win"),
            _judgment("q1", "ref", 2, "tie"),
            _judgment("q2", "ref", 1, "loss"),
            _judgment("q2", "ref", 2, "invalid"),
        ],
    )
    _write(
        answers,
        [{"id": "q1", "output": "hello world", "n_tokens": 10}, {"id": "q2", "output": "a b c", "n_tokens": 30}],
    )
    out = tmp_path / "score.json"
    score_arena("exp", judgments, answers, {"bootstrap_resamples": 200, "arena_max_invalid_share": 0.3}, 0, out)
    doc = json.loads(out.read_text())
    share = doc["metrics"]["judge_win_share"]
    assert share["value"] == pytest.approx(0.5)
    assert (share["win"], share["tie"], share["loss"], share["invalid"], share["n"]) == (1, 1, 1, 1, 3)
    lo, hi = share["ci95"]
    assert 0.0 <= lo <= hi <= 0.75
    winrate = doc["metrics"]["judge_winrate"]
    assert winrate["estimator"].startswith("llmtf_open@97b3022")
    assert winrate["pairs_left_out"] == 1  # q2 has an invalid game
    assert winrate["invalid_share"] == pytest.approx(0.25)
    assert winrate["degenerate"] and winrate["never_lost_to"] == ["ref"]  # q1: p = (1 + .5) / 2 >= .5
    length = doc["metrics"]["answer_length"]
    assert length["value"] == pytest.approx(2.5)  # cl100k_base: "hello world" = 2 tokens, "a b c" = 3
    assert length["model_tokens"] == pytest.approx(20.0)
    assert "cl100k_base" in length["unit"]
    assert doc["provenance"]["inputs"]["judgments"]["sha256"]


def test_score_arena_llmtf_mode_is_arena_score(tmp_path):
    from rualign.metrics import arena_score

    rows, games_in = [], []
    refs = {"r1": [(0.9, 0.7), (0.2, 0.1), (0.6, 0.3)], "r2": [(0.1, 0.2), (0.8, 0.9), (0.4, 0.5)]}
    for ref, ps in refs.items():
        for q, (p1, p2) in enumerate(ps):
            lens = (100 + 10 * q, 150 - 7 * q)
            rows += [_judgment(f"q{q}", ref, 1, "win", p1, lens), _judgment(f"q{q}", ref, 2, "loss", p2, lens)]
            for first, p in ((False, p1), (True, p2)):
                games_in.append(
                    {
                        "id": f"q{q}",
                        "model_name": "model",
                        "reference_model_name": ref,
                        "model_first": first,
                        "p": p,
                        "lens": {"model": lens[0], "reference": lens[1]},
                    }
                )
    judgments, answers, out = tmp_path / "j.jsonl", tmp_path / "a.jsonl", tmp_path / "s.json"
    _write(judgments, rows)
    _write(answers, [{"id": f"q{q}", "output": "Ответ", "n_tokens": 4} for q in range(3)])
    score_arena("exp", judgments, answers, {"bootstrap_resamples": 50}, 0, out)
    winrate = json.loads(out.read_text())["metrics"]["judge_winrate"]
    assert winrate["value"] == pytest.approx(arena_score(games_in)["value"])
    assert winrate["value_no_length_control"] == pytest.approx(arena_score(games_in, False)["value"])
    assert not winrate["degenerate"] and winrate["length_control"] and winrate["judge_modes"] == ["llmtf"]
    lo, hi = winrate["ci95"]
    assert 0.0 <= lo <= hi <= 1.0


def test_score_arena_errors_above_the_invalid_share(tmp_path):
    from rualign.io import RualignError

    judgments, answers = tmp_path / "j.jsonl", tmp_path / "a.jsonl"
    _write(judgments, [_judgment("q1", "ref", 1, "invalid"), _judgment("q1", "ref", 2, "win")])
    _write(answers, [{"id": "q1", "output": "x", "n_tokens": 1}])
    with pytest.raises(RualignError, match="arena_max_invalid_share"):
        score_arena(
            "exp", judgments, answers, {"bootstrap_resamples": 0, "arena_max_invalid_share": 0.1}, 0, tmp_path / "s"
        )


def test_llmtf_prompt_is_upstream_text():
    from rualign.judge import LLMTF_ASSISTANT_PREFIX, llmtf_messages

    messages = llmtf_messages("Вопрос?", "ответ m", "ответ M")
    assert [m["role"] for m in messages] == ["system", "user", "assistant"]
    assert messages[2]["content"] == LLMTF_ASSISTANT_PREFIX == '[\n    {"rank\': 1, "model_name": "'
    user = messages[1]["content"]
    assert '"instruction": "Вопрос?"' in user and '"answer": """ответ m"""' in user
    assert user.index('"model": "m"') < user.index("ответ m") < user.index('"model": "M"') < user.index("ответ M")
    # byte-for-byte the prompt of llmtf_open@97b3022 llmtf/tasks/llm_as_a_judge.py create_messages
    digest = hashlib.sha256("\x00".join(m["content"] for m in llmtf_messages("{q}", "{a}", "{b}")).encode()).hexdigest()
    assert digest == LLMTF_PROMPT_SHA256


def test_games_carry_order_and_character_lengths():
    out = games([{"id": "1", "prompt": "Q"}], {"1": "модель"}, {"ref": {"1": "эталон!"}})
    first = {g["game"]: g for g in out}
    assert first[2]["model_first"] and first[2]["answer_a"] == "модель"
    assert not first[1]["model_first"] and first[1]["answer_b"] == "модель"
    assert first[1]["lens"] == {"model": 6, "reference": 7}


def test_llmtf_result_reads_the_model_label():
    from rualign.judge import llmtf_result

    # model listed first (game 2, label m): p = p_m
    r = llmtf_result({"model_side": "A"}, 0.7, 0.2, "softmax")
    assert (r["p"], r["p_reference"], r["label"], r["outcome"]) == (0.7, 0.2, "m", "win")
    # model listed second (game 1, label M): p = p_M
    r = llmtf_result({"model_side": "B"}, 0.7, 0.2, "softmax")
    assert (r["p"], r["outcome"]) == (0.2, "loss")
    # neither label among the top logprobs: invalid, p = 0 (kept, as upstream)
    r = llmtf_result({"model_side": "B"}, 0.0, 0.0, "top_logprobs")
    assert (r["p"], r["label"], r["outcome"]) == (0.0, None, "invalid")


def test_local_llmtf_judge_uses_the_assistant_prefix():
    from rualign.judge import LLMTF_ASSISTANT_PREFIX, LocalJudge

    class Tok:
        def __call__(self, text, add_special_tokens=False):
            return {"input_ids": text.split()}

        def decode(self, ids):
            return " ".join(ids)

        def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True):
            assert messages[-1]["role"] == "user" and add_generation_prompt
            return "|".join(m["role"] for m in messages) + "|<assistant>"

    class Backend:
        tokenizer = Tok()
        seen: list = []

        def next_token_logprobs(self, prompts, candidates):
            Backend.seen = (prompts, candidates)
            return [[math.log(0.6), math.log(0.1)] for _ in prompts]

    todo = games([{"id": "1", "prompt": "Q"}], {"1": "model"}, {"ref": {"1": "ref"}})
    got = []
    LocalJudge(Backend(), 8).judge(todo, "llmtf", lambda g, r: got.append((g["game"], r)))
    prompts, candidates = Backend.seen
    assert candidates == ["m", "M"]
    assert all(p == "system|user|<assistant>" + LLMTF_ASSISTANT_PREFIX for p in prompts)
    results = dict(got)
    assert results[2]["p"] == pytest.approx(0.6) and results[1]["p"] == pytest.approx(0.1)


def test_calibrated_logprob_verdicts_remove_position_bias():
    from rualign.judge import calibrate_margins

    # The judge always prefers A (margins > 0), but prefers A more when A is the reference:
    # without calibration the model would win game 2 and lose game 1 (a meaningless 0.5).
    rows = [{"model_side": "B", "margin": 2.0}, {"model_side": "A", "margin": 1.0}]
    out = calibrate_margins(rows)
    assert [r["position_bias"] for r in out] == [1.5, 1.5]
    assert [r["label"] for r in out] == ["A>B", "B>A"]
    assert [r["outcome"] for r in out] == ["loss", "loss"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bootstrap_closed_form_equals_arena_score_of_the_resample(seed):
    import numpy as np

    from rualign.judge import _bootstrap_arena
    from rualign.metrics import arena_score

    fidelity = json.loads((Path(__file__).parents[1] / "fidelity" / "arena_score.json").read_text(encoding="utf-8"))
    games_in = fidelity["scenarios"][3]["games"]
    questions = sorted({str(g["id"]) for g in games_in})
    drawn = np.random.default_rng(seed).integers(0, len(questions), len(questions))
    resample = [{**g, "id": f"{n}"} for n, i in enumerate(drawn) for g in games_in if str(g["id"]) == questions[i]]
    low, high = _bootstrap_arena(games_in, 1, seed)
    assert low == pytest.approx(arena_score(resample)["value"], abs=1e-9) == high


def test_pair_normalised_label_probability_is_a_named_variant_keeping_the_raw_values():
    from rualign.judge import pair_normalised

    raw = {"p": 0.02, "p_reference": 0.06, "outcome": "loss"}
    result = pair_normalised(raw)
    assert result["p"] == pytest.approx(0.25) and result["p_reference"] == pytest.approx(0.75)
    assert result["p_raw"] == 0.02 and result["p_reference_raw"] == 0.06
    assert pair_normalised({"p": 0.0, "p_reference": 0.0}) == {"p": 0.0, "p_reference": 0.0}
