"""The report on a synthetic results tree: sections, tables, figures, conclusions, PDF where pdflatex exists."""

import json
import shutil
import subprocess

import pytest

from rualign.io import read_json, write_json_atomic
from rualign.report import (
    FIGURES,
    build_report,
    compare_table,
    conclusions,
    data_table,
    fraction_of,
    methods,
    pipeline_checks,
    run_signals,
    spearman,
    tex_text,
)
from tests.synthetic_results import build, build_full, recipe_stats

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
    # best reproduced and best published value of a row in bold
    assert "LIBRA: ruBABILongQA1 & \\textbf{0.550}$^\\dagger$ & \\textbf{0.648} & -0.098" in tex
    assert "<td>0.1300</td><td><b>0.1695</b></td><td>-0.0395</td>" in html
    assert "FLORES row labels swapped in tables 9-11" in tex and "affects this report: no" in html
    # one compact training-data table (stats.json): dataset, recipe, rows read / bad / in, split, tokens
    assert '<td>GrandMaster-PRO-MAX</td><td class="l"><code>gm60</code></td><td>996</td><td>0</td><td>996</td>' in html
    assert "GrandMaster-PRO-MAX\\newline\\texttt{gm60} & 996 & 0 & 996 & none & 946 & 50 & 304.5 & 797" in tex
    assert html.count('id="training-data"') == 1 and "{&#39;" not in html and "normalise / " not in tex
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
    html = (tmp_path / "out/report.html").read_text(encoding="utf-8")
    assert 'id="pdf-note"' in html and "report.pdf: false" in html  # the reader is told, at the top


def test_no_tex_engine_is_said_plainly_on_stdout_and_in_the_html(tmp_path, monkeypatch, capsys):

    from rualign import report

    monkeypatch.chdir(tmp_path)
    chain = build(tmp_path)
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    assert (
        report.write_report(chain["config"], [chain["table"]], chain["published"], tmp_path / "o", tmp_path, None) == 0
    )
    out = capsys.readouterr().out
    assert "No report.pdf: no pdflatex on PATH" in out and "./setup.sh --tex" in out
    assert "snakemake report --forcerun report" in out
    html = (tmp_path / "o/report.html").read_text(encoding="utf-8")
    assert html.index('id="pdf-note"') < html.index('id="setup"') and "./setup.sh --tex" in html
    assert not (tmp_path / "o/report.pdf").exists()


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
                str(tmp_path / "out"),
                "--published",
                str(ROOT / "paper/thesis_tables.yaml"),
                *map(str, args),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )

    result = run("--configfile", "config.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith(
        "no provenance (" + str(table.with_suffix(".provenance.json")) + " missing); rebuild the table"
    )
    assert not (tmp_path / "out").exists()
    malformed = tmp_path / "bad.yaml"
    malformed.write_text("tables: [unclosed\n", encoding="utf-8")
    bad = run("--configfile", "config.yaml", "--configfile", malformed)
    assert bad.returncode == 2 and f"error: {malformed}" in bad.stderr and "Traceback" not in bad.stderr


def test_methods_are_prose_per_family_a_settings_table_and_each_assumption_once():
    experiments = {
        "baseline": {"description": "base", "parent": None, "assumptions": [], "stage": None},  # resolved: null
        "gm60": {"stage": {"type": "sft", "data": "gm", "fraction": 60}},
        "gm100": {"stage": {"type": "sft", "data": "gm", "fraction": 100}},
        "sp-a": {
            "parent": "gm100",
            "assumptions": ["beta 2.5"],
            "stage": {"type": "simpo", "data": "p17", "fraction": 100, "args": {"cpo_alpha": 0.2}},
        },
        "sp-b": {
            "parent": "gm100",
            "assumptions": ["beta 2.5"],
            "stage": {"type": "simpo", "data": "p15", "fraction": 100, "args": {"cpo_alpha": 0.1}},
        },
    }
    prefs = {"dataset": "saiga_preferences", "meta_equals": {"ok": True}}
    config = {
        "base_model": "m",
        "experiments": experiments,
        "data_recipes": {
            "gm": {"dataset": "grandmaster_pro_max"},
            "p17": {**prefs, "max_length_ratio": 1.7},
            "p15": {**prefs, "max_length_ratio": 1.5},
        },
        "training": {"stages": {"sft": {"learning_rate": 2e-4, "max_steps": None}, "simpo": {"beta": 2.5}}},
    }
    m = methods(config, list(experiments))
    families = {f["name"]: f for f in m["families"]}
    assert families["Untrained"]["members"] == ["baseline"]
    gm = families["LoRA SFT on GrandMaster-PRO-MAX"]
    assert gm["members"] == ["gm60", "gm100"]
    assert gm["text"] == "LoRA SFT of the base model on 60/100 % of GrandMaster-PRO-MAX; recipe gm: all rows"
    simpo = families["SimPO on Saiga Preferences, after gm100"]["text"]
    assert "recipes p17, p15: rows with ok = true; p17: chosen at most 1.7x" in simpo
    assert simpo.endswith("cpo_alpha 0.2/0.1")
    rows = {r["id"]: r for r in m["settings"]}
    assert (rows["baseline"]["stage"], rows["baseline"]["parent"], rows["baseline"]["args"]) == ("--", "--", "--")
    assert (rows["sp-b"]["parent"], rows["sp-b"]["recipe"], rows["sp-b"]["args"]) == ("gm100", "p15", "cpo_alpha 0.1")
    assert m["stage_defaults"][0] == {"type": "sft", "text": "learning_rate 0.0002"}  # None values left out
    assert m["assumptions"] == [{"text": "beta 2.5", "experiments": ["sp-a", "sp-b"]}]


def test_data_table_reads_stats_json_defensively():
    recipe = {"dataset": "saiga_preferences", "meta_equals": {"sonnet_approved": True}, "max_length_ratio": 1.5}
    stats = [
        {"recipe": "p15", "path": "results/data/p15/stats.json", "stats": recipe_stats("p15", recipe)},
        {"recipe": "odd", "path": "results/data/odd/stats.json", "stats": {"filters": ["junk"], "rows_in": 5}},
    ]
    rows = {r["recipe"]: r for r in data_table(stats, {"data_recipes": {"odd": {"dataset": "mystery"}}})}
    p15 = rows["p15"]
    assert p15["dataset"] == "Saiga Preferences" and p15["rows_in"] == str(stats[0]["stats"]["rows_in"])
    assert p15["filters"][0]["name"] == "meta sonnet_approved = true"
    assert p15["filters"][1]["extra"].startswith("identical_answers 2, length_ratio")
    assert (rows["odd"]["dataset"], rows["odd"]["filters"], rows["odd"]["train"]) == ("mystery", [], "--")


def test_results_show_95_percent_cis(built):
    root, _, _ = built
    html = (root / "results/report/report.html").read_text(encoding="utf-8")
    tex = (root / "results/report/report.tex").read_text(encoding="utf-8")
    assert '<tr class="ci"><td></td><td>[0.0900, 0.1100]</td>' in html  # baseline win share 0.10 +- 0.01
    assert r"& {\scriptsize [0.0900, 0.1100]} & & & {\scriptsize [0.1200, 0.1400]}" in tex


def test_pipeline_checks_rows_come_from_the_checks_file(tmp_path):
    experiments = {
        "base": {},
        "canary": {"canary": {"metric": "babilong_qa1", "expect": "up", "against": "base"}},
        "control": {"canary": {"metric": "babilong_qa1", "expect": "down", "against": "canary"}},
    }
    assert pipeline_checks({"experiments": {"base": {}}}, tmp_path) == ([], [])
    rows, files = pipeline_checks({"experiments": experiments}, tmp_path)  # checks not run (report by hand)
    assert [(r["experiment"], r["verdict"]) for r in rows] == [("canary", "not run"), ("control", "not run")]
    assert files == []
    path = tmp_path / "results/checks/pipeline_checks.json"
    canary = {"metric": "babilong_qa1", "expect": "up", "against": "base", "value": 0.45, "ci95": [0.25, 0.65]}
    row = {**canary, "experiment": "canary", "reference_value": 0.0, "reference_ci95": [0.0, 0.0]}
    write_json_atomic(path, {"checks": [{**row, "delta": 0.45, "cis_apart": True, "passed": True}]})
    rows, files = pipeline_checks({"experiments": experiments}, tmp_path)
    assert rows[0]["value"] == "0.450 [0.250, 0.650]" and rows[0]["reference"] == "0.000 [0.000, 0.000]"
    assert (rows[0]["separated"], rows[0]["verdict"], rows[1]["verdict"]) == ("yes", "pass", "not run")
    assert files == [path]


def test_full_build_renders_checks_families_and_figures(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    full = build_full(tmp_path, tables=["table5", "table9"], canaries=True)
    info = build_report(full["config"], full["tables"], full["published"], tmp_path / "r", tmp_path, pdf=False)
    html = (tmp_path / "r/report.html").read_text(encoding="utf-8")
    assert html.count('<table id="checks">') == 1 and "check-babi-qa1-shuffled" in html
    assert "Training: {" not in html and '"stage": null' not in html
    assert "LoRA SFT of the base model on 60/80/100 % of GrandMaster-PRO-MAX" in html
    assert html.count("SimPO beta 2.5 and simpo_gamma 0.6") == 1
    assert sorted(p.name for p in (tmp_path / "r/figures").iterdir()) == sorted(f"{n}.png" for n, _, _ in FIGURES)
    assert info["pdf"] is None


def test_each_figure_is_its_own_function_and_skips_without_data():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for name, draw, _caption in FIGURES:
        fig, why = draw(plt, {}, {}, {})
        assert fig is None and why, name
    runs = {"a": {"rummlu": {"value": 0.4, "ci95": [0.3, 0.5]}}}
    fig, why = dict((n, d) for n, d, _ in FIGURES)["paper_vs_reproduced"](plt, runs, {"a": {"rummlu": 0.5}}, {})
    legend = fig.axes[0].get_legend()
    assert why == "" and legend.get_bbox_to_anchor().x0 > fig.axes[0].get_window_extent().x1  # legend outside
    plt.close(fig)


def test_protocol_section_names_each_metric_its_source_and_the_deviations(built, tmp_path, monkeypatch):
    root, _, _ = built
    html = (root / "results/report/report.html").read_text(encoding="utf-8")
    tex = (root / "results/report/report.tex").read_text(encoding="utf-8")
    for text in (html, tex):
        assert "llmtf_open@97b3022" in text.replace("\\_", "_")
        assert "Mean answer length" in text and "cl100k" in text.replace("\\_", "_")
    from rualign import config as C
    from rualign.report import build_context

    monkeypatch.chdir(tmp_path)
    chain = build(tmp_path)
    config = C.load() | {"tables": chain["config"]["tables"]}
    context = build_context(config, [chain["table"]], chain["published"], tmp_path)
    assert context["protocol"]["deviations"] == ["judge.label_probability = pair_normalised (thesis: raw)"]
