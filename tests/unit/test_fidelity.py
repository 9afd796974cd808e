"""Golden vectors of the thesis-era upstream metrics (tests/fidelity/README.md): ours must match to 1e-6.

FLORES: llmtf_open@97b3022 CustomTokenizer + rouge-score; LIBRA: andrrrei/diploma libra_eval.py EM/F1;
MMLU: llmtf_open@97b3022 nlpcoreteam.py `_per_category_mean`. (Arena vectors are tested elsewhere.)
"""

import json
from pathlib import Path

import pytest

from rualign import metrics as M

FIDELITY = Path(__file__).resolve().parents[1] / "fidelity"
TOL = 1e-6


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIDELITY / name).read_text(encoding="utf-8").splitlines() if line.strip()]


FLORES = _jsonl("flores_rouge.jsonl")
LIBRA = _jsonl("libra_em_f1.jsonl")
MMLU = json.loads((FIDELITY / "mmlu_aggregate.json").read_text(encoding="utf-8"))["cases"]


def test_vector_files_are_complete():
    assert len(FLORES) == 60 and len(LIBRA) == 40 and len(MMLU) == 3


@pytest.mark.parametrize("row", FLORES, ids=[f"flores{i}" for i in range(len(FLORES))])
def test_flores_rouge_matches_llmtf(row):
    got = M.flores_rouge(row["prediction"], row["reference"])
    assert got["rouge1"] == pytest.approx(row["rouge1"], abs=TOL)
    assert got["rouge2"] == pytest.approx(row["rouge2"], abs=TOL)
    assert got["score"] == pytest.approx((row["rouge1"] + row["rouge2"]) / 2, abs=TOL)


def test_our_unicode_tokenizer_is_a_different_metric():
    """The named alternative differs from the thesis's on some vectors (guillemets, dashes)."""
    differ = [
        r
        for r in FLORES
        if abs(M.flores_rouge(r["prediction"], r["reference"], tokenizer="unicode")["rouge1"] - r["rouge1"]) > TOL
    ]
    assert differ


@pytest.mark.parametrize("row", LIBRA, ids=[f"libra{i}" for i in range(len(LIBRA))])
def test_libra_em_f1_match_the_thesis(row):
    assert M.em_llmtf(row["prediction"], row["gold"]) == pytest.approx(row["em"], abs=TOL)
    assert M.f1_llmtf(row["prediction"], row["gold"]) == pytest.approx(row["f1"], abs=TOL)


@pytest.mark.parametrize("case", MMLU, ids=[c["name"] for c in MMLU])
def test_mmlu_category_mean_matches_llmtf(case):
    got = M.mmlu_category_mean(case["items"])
    assert got["score"] == pytest.approx(case["score"], abs=TOL)
    assert got["micro_accuracy"] == pytest.approx(case["micro_accuracy"], abs=TOL)
    assert len(got["per_category"]) == 4 and len(got["per_subject"]) == 57


def test_mmlu_table_covers_the_57_subjects_in_four_categories():
    assert len(M.MMLU_SUBJECT_CATEGORY) == 57
    assert set(M.MMLU_SUBJECT_CATEGORY.values()) == set(M.MMLU_CATEGORIES)
