"""The report on a synthetic results tree: sections, tables, figures, conclusions, PDF where pdflatex exists."""

import json
import shutil
import subprocess

import pytest

from rualign.io import read_json
from rualign.report import build_report, compare_table, conclusions, fraction_of, run_signals, spearman, tex_text
from tests.synthetic_results import build

SECTIONS = ["Setup", "Datasets", "Methods", "Results", "Assumptions", "Errata", "Conclusions"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        chain = build(root)
        buildinfo = build_report(chain["config"], [chain["table"]], chain["published"], root / "results/report", root)
    return root, chain, buildinfo


def test_tex_and_html_have_every_section_and_the_table(built):
    root, _, _ = built
    tex = (root / "results/report/report.tex").read_text(encoding="utf-8")
    html = (root / "results/report/report.html").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"\\section{{{section}}}" in tex
        assert f'<h2 id="{section.lower()}">{section}</h2>' in html
    assert "LIBRA: ruBABILongQA1 & 0.550$^\\dagger$ & 0.648 & -0.098" in tex
    assert "<td>0.1300</td><td>0.1695</td><td>-0.0395</td>" in html
    assert "FLORES row labels swapped in tables 9-11" in tex and "affects this report: no" in html
    assert "dropped / too\\_long" in tex  # measured filter statistics
    assert "gm60: an assumption" in html
    assert (root / "results/report/tables/table5.html").is_file()
    assert r"\texttt{gm100} & sft & \texttt{baseline} & 0.1600 & +0.0600 & 500 & +100 \\" in tex  # training signals


def test_training_signals_compare_each_run_with_its_nearest_evaluated_ancestor():
    scores = {
        "baseline": {"judge_winrate": {"value": 0.2}, "answer_length": {"value": 300.0}},
        "sft": {"judge_winrate": {"value": 0.3}, "answer_length": {"value": 350.0}},
        "simpo": {"judge_winrate": {"value": 0.45}, "answer_length": {"value": 520.0}},
        "selfgen": {"judge_winrate": {"value": 0.25}, "answer_length": {"value": 280.0}},
    }
    experiments = {
        "baseline": {},
        "gm": {"stage": {"type": "sft"}},  # trained, never evaluated
        "sft": {"parent": "gm", "stage": {"type": "sft"}},
        "simpo": {"parent": "sft", "stage": {"type": "simpo"}},
        "selfgen": {"parent": "gm", "stage": {"type": "simpo"}},
    }
    rows = run_signals({"experiments": experiments}, [{"scores": scores}])
    by_run = {r["experiment"]: r for r in rows}
    assert set(by_run) == {"sft", "simpo", "selfgen"}  # the baseline is not a trained run
    assert (by_run["simpo"]["against"], by_run["simpo"]["judge_winrate_delta"]) == ("sft", "+0.1500")
    assert by_run["simpo"]["answer_length_delta"] == "+170"
    assert by_run["selfgen"]["against"] == "baseline"  # gm has no scores: fall back to the untrained model
    assert (by_run["selfgen"]["judge_winrate_delta"], by_run["selfgen"]["answer_length_delta"]) == ("+0.0500", "-20")


def test_figures_and_provenance(built):
    root, _, buildinfo = built
    names = sorted(p.name for p in (root / "results/report/figures").iterdir())
    assert names == ["fraction.png", "length_vs_winrate.png", "libra_length.png", "paper_vs_reproduced.png"]
    prov = read_json(root / "results/report/report.provenance.json")
    assert "results/data/gm60/stats.json" in json.dumps(prov["inputs"])
    assert any(k.startswith("score") for k in prov["inputs"])
    assert prov["build"] == buildinfo


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex (setup.sh --tex)")
def test_pdf_has_the_sections(built):
    root, _, buildinfo = built
    pdf = root / "results/report/report.pdf"
    assert buildinfo["pdf"] and pdf.is_file() and buildinfo["compile_s"] > 0
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        for section in SECTIONS:
            assert section in text
        assert "table5: SFT on GM fractions" in text


def test_no_engine_writes_tex_and_html_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    chain = build(tmp_path)
    info = build_report(chain["config"], [chain["table"]], chain["published"], tmp_path / "out", tmp_path, pdf=False)
    assert info["pdf"] is None and info["reason"] == "report.pdf is false"
    assert (tmp_path / "out/report.tex").is_file() and not (tmp_path / "out/report.pdf").exists()


def test_conclusions_are_computed_from_the_numbers():
    spec = {"columns": ["a", "b", "c"], "metrics": ["judge_winrate", "answer_length"]}
    scores = {
        e: {"judge_winrate": {"value": w}, "answer_length": {"value": n}}
        for e, w, n in (("a", 0.1, 400), ("b", 0.3, 600), ("c", 0.2, 500))
    }
    published = {"a": {"judge_winrate": 0.1}, "b": {"judge_winrate": 0.2}, "c": {"judge_winrate": 0.3}}
    comp = compare_table(spec, scores, published)
    best = comp["best"][0]
    assert (best["reproduced"], best["paper"], best["same"]) == ("b", "c", False)
    assert comp["agreement"][0]["agree"] == 2 and comp["agreement"][0]["of"] == 2
    text = conclusions([{"id": "t", "columns": spec["columns"], "comparison": comp}], "paper")
    assert "t: best LLM-as-a-Judge is b (the paper's best is c)." in text
    assert any("Spearman correlation +1.00" in line for line in text)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)


def test_fractions_and_cyrillic():
    experiments = {
        "gm80": {"stage": {"type": "sft", "data": "gm", "fraction": 80, "args": {}}},
        "sp40": {"parent": "best", "stage": {"type": "simpo", "data": "prefs", "fraction": 40, "args": {"beta": 2}}},
        "baseline": {},
    }
    config = {"experiments": experiments}
    assert fraction_of("gm80", config) == ("gm (sft)", 80.0)
    assert fraction_of("sp40", config) == ("prefs (simpo, beta 2, after best)", 40.0)
    assert fraction_of("baseline", config) is None
    assert tex_text("data_x: Привет, мир!") == r"data\_x: \foreignlanguage{russian}{Привет, мир}!"


def test_bad_input_is_one_clear_error(tmp_path):
    import sys

    from tests.synthetic_results import ROOT

    table = tmp_path / "results/tables/table4.tex"
    table.parent.mkdir(parents=True)
    table.write_text("\\begin{table}\\end{table}\n")

    def run(*args):
        return subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts/make_report.py"),
                "--tables",
                str(table),
                "--out",
                "out",
                "--published",
                str(ROOT / "paper/thesis_tables.yaml"),
                *args,
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )

    result = run("--config", "{}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(
        "no provenance (" + str(table.with_suffix(".provenance.json")) + " missing); rebuild the table"
    )
    assert not (tmp_path / "out").exists()
    bad = run("--config", "{not json")
    assert bad.returncode == 2 and "expected JSON or @file.json" in bad.stderr
