import json

import pytest

from rualign.benchmarks import METRICS
from rualign.io import RualignError
from rualign.tables import fmt, latex_escape, load_published, make_index, make_table


def _score(path, experiment, metrics, standin=False):
    path.write_text(json.dumps({"experiment": experiment, "metrics": metrics, "standin": standin}), encoding="utf-8")
    return path


def test_latex_escape():
    assert latex_escape("gm100_saiga & 5%") == r"gm100\_saiga \& 5\%"


def test_fmt_per_metric():
    assert fmt("judge_winrate", 0.13549) == "0.1355"
    assert fmt("answer_length", 417.6) == "418"
    assert fmt("rummlu", 0.5564) == "0.556"
    assert fmt("rummlu", -0.0104, signed=True) == "-0.010"
    assert fmt("rummlu", None) == "--"


def test_published_numbers_of_table4(root):
    published = load_published(root / "paper/thesis_tables.yaml", "table4")
    assert published["baseline"]["judge_winrate"] == 0.1355
    assert published["baseline"]["flores_ru_en"] == 0.430


def test_make_table_rows_values_and_deltas(tmp_path, root):
    metrics = {m: {"value": 0.5, "n": 10} for m in METRICS}
    files = [_score(tmp_path / "s.json", "baseline", metrics)]
    spec = {
        "caption": "Metrics",
        "columns": ["baseline"],
        "metrics": list(METRICS),
        "scale": "tiny",
        "base_model": "m",
        "judge": "j",
        "assumptions": {"baseline": ["beta = 2.0"]},
    }
    out = tmp_path / "table4.tex"
    make_table("table4", spec, files, root / "paper/thesis_tables.yaml", out)
    tex = out.read_text(encoding="utf-8")
    row = next(line for line in tex.splitlines() if line.startswith("ruMMLU &"))
    assert row == r"ruMMLU & 0.500 & 0.556 & -0.056 \\"
    assert r"LLM-as-a-Judge & 0.5000 & 0.1355 & +0.3645 \\" in tex
    assert "beta = 2.0" in tex
    assert json.loads(out.with_suffix(".provenance.json").read_text())["inputs"]["score0"]["sha256"]


def test_standin_values_are_marked(tmp_path, root):
    files = [_score(tmp_path / "s.json", "baseline", {"rummlu": {"value": 0.25, "n": 4}}, standin=True)]
    spec = {
        "caption": "c",
        "columns": ["baseline"],
        "metrics": ["rummlu"],
        "scale": "tiny",
        "base_model": "m",
        "judge": "j",
    }
    make_table("table4", spec, files, root / "paper/thesis_tables.yaml", tmp_path / "t.tex")
    tex = (tmp_path / "t.tex").read_text()
    assert r"0.250$^\dagger$" in tex and "Stand-in data" in tex


def test_missing_score_is_an_error_and_writes_nothing(tmp_path, root):
    files = [_score(tmp_path / "s.json", "baseline", {"rummlu": {"value": 0.25, "n": 4}})]
    spec = {
        "caption": "c",
        "columns": ["baseline"],
        "metrics": ["rummlu", "enmmlu"],
        "scale": "tiny",
        "base_model": "m",
        "judge": "j",
    }
    with pytest.raises(RualignError, match="no score for"):
        make_table("table4", spec, files, root / "paper/thesis_tables.yaml", tmp_path / "t.tex")
    assert not (tmp_path / "t.tex").exists()


def test_index_lists_tables_with_checksums(tmp_path):
    table = tmp_path / "table4.tex"
    table.write_text("x")
    make_index([table], tmp_path / "all")
    assert (tmp_path / "all").read_text().split() == [
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
        str(table),
    ]


def test_footnote_names_every_setting_that_is_not_the_thesis_protocol(tmp_path, root):
    from rualign import config as C
    from rualign.protocol import deviations

    assert deviations(C.load(extra={"scale": "paper"})) == []  # paper scale measures as the thesis
    tiny = deviations(C.load())
    assert tiny == ["judge.label_probability = pair_normalised (thesis: raw)"]
    changed = C.load(extra={"evaluation": {"mmlu_aggregation": "accuracy"}})
    assert "evaluation.mmlu_aggregation = accuracy (thesis: category_mean)" in deviations(changed)
    metrics = {m: {"value": 0.5, "n": 10} for m in METRICS}
    files = [_score(tmp_path / "s.json", "baseline", metrics)]
    spec = {
        "caption": "c",
        "columns": ["baseline"],
        "metrics": list(METRICS),
        "scale": "tiny",
        "base_model": "m",
        "judge": "j",
    }
    out = tmp_path / "table4.tex"
    make_table("table4", {**spec, "protocol_deviations": tiny}, files, root / "paper/thesis_tables.yaml", out)
    tex = out.read_text(encoding="utf-8")
    assert r"Evaluation protocol: the thesis's (llmtf\_open@97b3022" in tex
    assert r"except \texttt{judge.label\_probability = pair\_normalised (thesis: raw)}." in tex


def test_footnote_names_training_choices_that_differ_from_the_thesis_code():
    from rualign import config as C
    from rualign.protocol import training_choices

    config = C.load()
    best_sft = {"gm100", "gm100-saiga60", "gm100-saiga60-rag55-ood5"}  # a column with its chain: Grounded-RAG last
    assert training_choices(config, {"baseline"}) == []
    choices = training_choices(config, best_sft)
    assert any("modules_to_save" in c for c in choices)
    assert any("datasets.grounded_rag_ru_v2.documents_mode = drop" in c for c in choices)
    thesis = C.load(
        extra={
            "overrides": {
                "training": {"lora": {"modules_to_save": ["lm_head"]}},
                "datasets": {"grounded_rag_ru_v2": {"documents_mode": "drop"}},
            }
        }
    )
    assert training_choices(thesis, best_sft) == []


def test_footnote_counts_invalid_judgments_and_flags_a_degenerate_fit(tmp_path, root):
    metrics = {m: {"value": 0.5, "n": 10} for m in METRICS}
    metrics["judge_winrate"] |= {"win": 10, "tie": 0, "loss": 4, "invalid": 2, "degenerate": True}
    files = [_score(tmp_path / "s.json", "baseline", metrics)]
    spec = {"caption": "c", "columns": ["baseline"], "metrics": list(METRICS), "scale": "tiny"}
    out = tmp_path / "table4.tex"
    make_table("table4", spec | {"base_model": "m", "judge": "j"}, files, root / "paper/thesis_tables.yaml", out)
    tex = out.read_text(encoding="utf-8")
    assert "invalid judgments (neither label, or no verdict) in baseline 2/16." in tex
    assert "LLM-as-a-Judge of baseline: the Bradley--Terry fit is degenerate" in tex
