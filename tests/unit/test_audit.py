"""rualign audit: lineage of one table cell over a synthetic provenance chain (training JSONL, adapter,
merged model, generations, score, table), drift detection and input errors."""

import shutil
import subprocess
import sys

import pytest

from rualign.audit import audit_cell, format_report
from rualign.io import RualignError
from tests.synthetic_results import ROOT, build


@pytest.fixture
def chain(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return build(tmp_path)


def _audit(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "rualign.cli", "audit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_lineage_reaches_training_data_raw_source_config_and_code(chain, tmp_path):
    report = audit_cell(chain["table"], "gm60", "judge_winrate")
    assert report.ok, report.problems
    assert report.value == pytest.approx(0.13) and report.paper == pytest.approx(0.1695)
    paths = [n.path for n in report.nodes]
    for expected in (
        "results/tables/table5.tex",
        "results/scores/gm60/ru_arena_hard.json",
        "results/generations/gm60/ru_arena_hard.jsonl",
        "results/models/gm60",
        "results/adapters/gm60",
        "results/data/gm60/train.jsonl",
        "data/raw_gm.jsonl",
        "results/base_models/m",
    ):
        assert expected in paths, expected
    steps = {n.path: (n.provenance or {}).get("step") for n in report.nodes}
    assert steps["results/adapters/gm60"] == "train" and steps["results/data/gm60/train.jsonl"] == "prepare_recipe"
    text = format_report(report)
    assert "hub Vikhrmodels/GrandMaster-PRO-MAX revision " + "0" * 40 + " (pinned commit)" in text
    assert '"fraction":0.6' in text and "package sha256" in text and "torch" in text
    assert "sha256 recorded in all index" in text
    assert text.rstrip().endswith("nothing changed")


def test_one_changed_byte_in_the_training_jsonl_fails_naming_it(chain, tmp_path):
    train = tmp_path / chain["train"]["gm60"]
    data = bytearray(train.read_bytes())
    data[5] ^= 0x01
    train.write_bytes(bytes(data))
    report = audit_cell(chain["table"], "gm60", "judge_winrate")
    assert not report.ok
    assert len(report.problems) == 1 and report.problems[0].startswith("results/data/gm60/train.jsonl: changed")
    result = _audit("results/tables/table5.tex", "--column", "gm60", "--metric", "judge_winrate", cwd=tmp_path)
    assert result.returncode == 1
    assert "results/data/gm60/train.jsonl" in result.stderr and "DRIFT" in result.stdout
    # the baseline column does not depend on that file
    assert audit_cell(chain["table"], "baseline", "judge_winrate").ok


def test_missing_adapter_and_edited_cell_are_drift(chain, tmp_path):
    import shutil

    shutil.rmtree(tmp_path / "results/adapters/gm100")
    problems = audit_cell(chain["table"], "gm100", "rummlu").problems
    assert any(p.startswith("results/adapters/gm100: missing") for p in problems)
    table = tmp_path / chain["table"]
    table.write_text(table.read_text().replace("0.490", "0.499", 1))
    problems = audit_cell(chain["table"], "gm60", "rummlu").problems
    assert any("cell shows 0.499" in p for p in problems)
    assert any(p.startswith("results/tables/table5.tex: changed") for p in problems)


@pytest.mark.parametrize(
    ("column", "metric", "message"),
    [
        ("gm61", "judge_winrate", "unknown column 'gm61' (columns: baseline, gm60, gm100)"),
        ("gm60", "flores", "unknown metric 'flores' (metrics: judge_winrate, answer_length, rummlu, babilong_qa1)"),
    ],
)
def test_unknown_column_or_metric_is_one_clear_error(chain, tmp_path, column, metric, message):
    with pytest.raises(RualignError, match=message.replace("(", r"\(").replace(")", r"\)")):
        audit_cell(chain["table"], column, metric)
    result = _audit("results/tables/table5.tex", "--column", column, "--metric", metric, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: table5.tex: {message}"


def test_missing_table_is_one_clear_error(tmp_path):
    result = _audit("results/tables/table9.tex", "--column", "x", "--metric", "rummlu", cwd=tmp_path)
    assert result.returncode == 2 and "no such table" in result.stderr and "Traceback" not in result.stderr


def test_results_audit_from_another_clone_after_a_move(tmp_path, monkeypatch):
    """Provenance records paths relative to the workflow root, even when a step was given absolute ones."""
    built = tmp_path / "cluster_checkout"
    built.mkdir()
    monkeypatch.chdir(built)
    chain = build(built)
    raw = built / "data/raw_abs.jsonl"
    raw.write_text('{"a": 1}\n', encoding="utf-8")
    from rualign.provenance import Provenance

    block = Provenance("normalise", inputs={"raw": raw, "outside": ROOT / "pyproject.toml"}).block()
    assert block["inputs"]["raw"]["path"] == "data/raw_abs.jsonl"
    assert block["inputs"]["outside"]["path"] == str(ROOT / "pyproject.toml")  # outside the workflow: absolute
    moved = tmp_path / "laptop_clone"
    shutil.copytree(built, moved)
    shutil.rmtree(built)
    monkeypatch.chdir(moved)
    report = audit_cell(chain["table"], "gm60", "judge_winrate")
    assert report.ok, report.problems
