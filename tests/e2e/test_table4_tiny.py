"""End to end: `snakemake results/tables/table4.tex` on the tiny scale, trimmed for CI (minutes).

Runs in a scratch copy of the repository with tests/e2e/ci_config.yaml, then checks the table, the
score files and their provenance, that a second run plans nothing, and that outputs are reused.
"""

import json
import re
from pathlib import Path

import pytest

from rualign.benchmarks import BENCHMARKS, METRICS
from rualign.io import sha256_path
from tests.workflow_helpers import copy_workflow, snakemake

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("e2e") / "rualign")
    result = snakemake(workdir, "results/tables/all", "--cores", "2", "--configfile", "tests/e2e/ci_config.yaml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return workdir


def test_table4_has_every_metric_with_reproduced_and_paper_values(run: Path):
    tex = (run / "results/tables/table4.tex").read_text(encoding="utf-8")
    assert r"\toprule" in tex and r"\bottomrule" in tex
    for metric, (_, label) in METRICS.items():
        row = next(line for line in tex.splitlines() if line.startswith(label + " &"))
        cells = [c.strip() for c in row.removesuffix(r"\\").split("&")]
        assert re.fullmatch(r"-?\d+(\.\d+)?(\$\^\\dagger\$)?", cells[1]), (metric, cells)
        assert cells[2] != "--", f"{metric}: published value missing"
    assert "Stand-in data" in tex
    index = (run / "results/tables/all").read_text()
    assert "results/tables/table4.tex" in index


def test_score_files_carry_values_ci_and_provenance(run: Path):
    for benchmark in BENCHMARKS:
        doc = json.loads((run / f"results/scores/baseline/{benchmark}.json").read_text(encoding="utf-8"))
        for block in doc["metrics"].values():
            assert block["n"] > 0
            lo, hi = block["ci95"]
            assert lo <= block["value"] <= hi or benchmark.startswith("babilong") or benchmark == "ruqasper"
        prov = doc["provenance"]
        for entry in prov["inputs"].values():
            assert sha256_path(run / entry["path"]) == entry["sha256"]
        assert prov["packages"]["torch"] and prov["code"]["package_sha256"]
        items = (run / doc["items_file"]).read_text(encoding="utf-8").splitlines()
        assert items, benchmark


def test_arena_judged_every_reference_in_both_orders(run: Path):
    rows = [
        json.loads(line) for line in (run / "results/judgments/baseline/ru_arena_hard.jsonl").read_text().splitlines()
    ]
    refs = {r["reference"] for r in rows}
    assert refs == {"gigachat_max_26.20_uncen", "gpt-4o-mini", "gpt-4-1106-preview", "Qwen2.5-32B-Instruct"}
    assert len(rows) == 3 * len(refs) * 2
    assert {r["game"] for r in rows} == {1, 2}


def test_model_folder_is_plain_transformers_with_provenance(run: Path):
    model = run / "results/base_models/smollm2-135m-instruct"
    assert (model / "model.safetensors").is_file() and (model / "tokenizer.json").is_file()
    prov = json.loads((model / "provenance.json").read_text())
    assert prov["sha256"] == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def test_second_run_plans_nothing(run: Path):
    result = snakemake(run, "-n", "results/tables/all", "--cores", "2", "--configfile", "tests/e2e/ci_config.yaml")
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr
