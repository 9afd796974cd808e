"""End to end on the tiny default: tables 4 and 11 (baseline; the best-SFT chain gm100 -> saiga60 ->
judged RAG; self-generated rejected answers; SimPO) and the pipeline checks, in a scratch copy of the
repository.

Checks the tables, scores and provenance, model lineage, data statistics, that a second run plans
nothing, and that changing one experiment's hyperparameter replans only that experiment.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rualign.benchmarks import BENCHMARKS, METRICS
from rualign.io import sha256_path
from tests.workflow_helpers import copy_workflow, snakemake

pytestmark = pytest.mark.e2e


TARGETS = ("results/tables/table4.tex", "results/tables/table11.tex", "results/checks/pipeline_checks.json")
CI_CONFIG = "tests/ci_config.yaml"  # 1-2 items per benchmark: the evaluation is the slow part on 2 cores


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    # RUALIGN_E2E_WORKDIR=<a workflow copy> reruns the checks on it (Snakemake only brings it up to date)
    reuse = os.environ.get("RUALIGN_E2E_WORKDIR")
    workdir = Path(reuse) if reuse else copy_workflow(tmp_path_factory.mktemp("e2e") / "rualign")
    result = snakemake(workdir, *TARGETS, "--cores", "2", "--configfiles", CI_CONFIG)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return workdir


def reproduced(tex: str, label: str) -> list[str]:
    row = next(line for line in tex.splitlines() if line.startswith(label + " &"))
    cells = [c.strip() for c in row.removesuffix(r"\\").split("&")]
    return cells[1::3]  # reproduced / paper / delta per column


def test_table4_has_every_metric_with_reproduced_and_paper_values(run: Path):
    tex = (run / "results/tables/table4.tex").read_text(encoding="utf-8")
    assert r"\toprule" in tex and r"\bottomrule" in tex
    for metric, spec in METRICS.items():
        row = next(line for line in tex.splitlines() if line.startswith(spec.label + " &"))
        cells = [c.strip() for c in row.removesuffix(r"\\").split("&")]
        assert re.fullmatch(r"-?\d+(\.\d+)?(\$\^\\dagger\$)?", cells[1]), (metric, cells)
        assert cells[2] != "--", f"{metric}: published value missing"
    assert "Stand-in data" in tex


def test_trained_columns_have_numbers_and_the_chain_in_a_footnote(run: Path):
    tex = (run / "results/tables/table11.tex").read_text(encoding="utf-8")
    for spec in METRICS.values():
        cells = reproduced(tex, spec.label)
        assert len(cells) == 3 and all(re.match(r"-?\d", c) for c in cells), (spec.label, cells)
    assert r"gm100 $\rightarrow$ gm100-saiga60 $\rightarrow$ gm100-saiga60-rag55-ood5" in tex
    assert "Trained on hand-written stand-ins" in tex


def test_merged_model_has_lineage_card_and_adapter(run: Path):
    model = run / "results/models/gm100-saiga60"
    prov = json.loads((model / "provenance.json").read_text())
    assert prov["lineage"] == ["smollm2-135m-instruct", "gm100", "gm100-saiga60"]
    assert prov["inputs"]["adapter"]["path"] == "results/adapters/gm100-saiga60"
    assert "gm100-saiga60" in (model / "README.md").read_text() and (model / "model.safetensors").is_file()
    summary = json.loads((run / "results/adapters/gm100-saiga60/training_summary.json").read_text())
    assert summary["global_step"] > 0 and summary["tokens_per_s"] > 0
    adapter_prov = json.loads((run / "results/adapters/gm100-saiga60/provenance.json").read_text())
    assert adapter_prov["inputs"]["train"]["path"] == "results/data/saiga-opus8/train_60pct.jsonl"
    assert adapter_prov["inputs"]["parent_model"]["path"] == "results/models/gm100"


def test_data_statistics_count_every_filter(run: Path):
    saiga = json.loads((run / "results/data/saiga-opus8/stats.json").read_text())
    assert saiga["filters"][0]["filter"] == "opus_score >= 8" and saiga["filters"][0]["dropped"] > 0
    assert saiga["train_tokens_per_example"]["p95"] >= saiga["train_tokens_per_example"]["mean"] > 0
    rag = json.loads((run / "results/data/rag-judge5-ood5/stats.json").read_text())
    assert [f["filter"] for f in rag["filters"]] == ["judge score in [5]", "ood share 0.05"]
    assert sum(rag["judge_score_histogram"].values()) == rag["rows_in"]
    small = [json.loads(x)["id"] for x in (run / "results/data/saiga-opus8/train_60pct.jsonl").read_text().splitlines()]
    full = [json.loads(x)["id"] for x in (run / "results/data/saiga-opus8/train.jsonl").read_text().splitlines()]
    assert small == full[: len(small)]


def test_self_generated_rejected_answers_replace_the_dataset_ones(run: Path):
    original = {
        json.loads(x)["id"]: json.loads(x)
        for x in (run / "results/data/normalised/saiga_preferences.jsonl").read_text().splitlines()
    }
    generated = [
        json.loads(x) for x in (run / "results/data/generate_rejected/selfgen-t1.0-p1.0.jsonl").read_text().splitlines()
    ]
    assert len(generated) == len(original)
    assert all(row["chosen"] == original[row["id"]]["chosen"] for row in generated)
    assert sum(row["rejected"] != original[row["id"]]["rejected"] for row in generated) > len(generated) // 2


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
    limit = yaml.safe_load((run / CI_CONFIG).read_text())["overrides"]["benchmarks"]["ru_arena_hard"]["limit"]
    assert len(rows) == limit * len(refs) * 2
    assert {r["game"] for r in rows} == {1, 2}


def test_model_folder_is_plain_transformers_with_provenance(run: Path):
    model = run / "results/base_models/smollm2-135m-instruct"
    assert (model / "model.safetensors").is_file() and (model / "tokenizer.json").is_file()
    prov = json.loads((model / "provenance.json").read_text())
    assert prov["sha256"] == "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def audit(run: Path, table: str, column: str, metric: str) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "rualign.cli", "audit", f"results/tables/{table}.tex", "--column", column]
    return subprocess.run([*args, "--metric", metric], cwd=run, capture_output=True, text=True)


@pytest.mark.parametrize("metric", ["judge_winrate", "rummlu"])
def test_audit_of_a_baseline_cell_verifies_its_lineage(run: Path, metric: str):
    result = audit(run, "table4", "baseline", metric)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "results/base_models/smollm2-135m-instruct" in result.stdout
    assert "results/benchmarks/" in result.stdout and "nothing changed" in result.stdout


def test_audit_of_a_simpo_cell_reaches_the_raw_training_data_and_catches_a_changed_byte(run: Path):
    cell = ("table11", "selfgen-t0.3-p0.9", "judge_winrate")
    result = audit(run, *cell)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    for step in (
        "results/models/selfgen-t0.3-p0.9",  # merged model
        "results/adapters/selfgen-t0.3-p0.9",  # its adapter
        "results/models/gm100-saiga60-rag55-ood5",  # the parent (best SFT)
        "results/data/generate_rejected/selfgen-t0.3-p0.9.jsonl",  # its self-generated pairs
        "data/sft/saiga_preferences/train.jsonl",  # the raw preference file
    ):
        assert step in result.stdout, step
    train = json.loads((run / "results/adapters/selfgen-t0.3-p0.9/provenance.json").read_text())["inputs"]["train"]
    path = run / train["path"]
    backup = path.with_suffix(".bak")
    shutil.copy2(path, backup)  # restored with its mtime, so the later dry runs see nothing new
    try:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        tampered = audit(run, *cell)
        assert tampered.returncode == 1, tampered.stdout[-3000:]
        assert train["path"] in tampered.stderr and "CHANGED" in tampered.stdout
    finally:
        shutil.copy2(backup, path)
        backup.unlink()


def test_report_renders_the_built_tables(run: Path, tmp_path):
    only = tmp_path / "report.yaml"
    only.write_text(yaml.safe_dump({"report": {"tables": ["table4", "table11"]}}), encoding="utf-8")
    result = snakemake(run, "report", "--cores", "2", "--configfiles", CI_CONFIG, str(only))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert "rule train" not in result.stdout  # the report is built from what exists
    html = (run / "results/report/report.html").read_text(encoding="utf-8")
    assert "table4: Metrics of Qwen2.5-3B-Instruct (baseline)" in html and "selfgen-t0.3-p0.9" in html
    tex = (run / "results/report/report.tex").read_text(encoding="utf-8")
    assert r"\section{Conclusions}" in tex and "rag-judge5-ood5" in tex  # measured filter statistics
    assert len(list((run / "results/report/figures").glob("*.png"))) >= 3
    build = json.loads((run / "results/report/report.provenance.json").read_text())["build"]
    assert bool(build["pdf"]) == (shutil.which("pdflatex") is not None)


def test_training_moves_the_arena_signals(run: Path):
    """Win share or mean answer length of every trained table-11 column differs from the base model's."""

    def arena(experiment: str) -> tuple[float, float]:
        doc = json.loads((run / f"results/scores/{experiment}/ru_arena_hard.json").read_text(encoding="utf-8"))
        return doc["metrics"]["judge_winrate"]["value"], doc["metrics"]["answer_length"]["value"]

    for experiment in ("selfgen-t0.3-p0.9", "selfgen-t1.0-p1.0"):
        assert arena(experiment) != arena("baseline"), experiment


def test_pipeline_checks_pass(run: Path):
    """SFT on bAbI-qa1 stories lifts babilong_qa1 clear of the base model's CI; SimPO with short answers
    chosen shortens the arena answers, and with long ones chosen gives longer answers than its short twin:
    the trained model, not its parent, is what was evaluated, chosen and rejected reached the trainer the
    right way round, and the answers reached the scorer."""
    doc = json.loads((run / "results/checks/pipeline_checks.json").read_text(encoding="utf-8"))
    rows = {row["experiment"]: row for row in doc["checks"]}
    assert set(rows) == {"check-babi-qa1", "check-simpo-short", "check-simpo-long"}
    assert rows["check-babi-qa1"]["n"] == 20  # checks.limit 10 per length, whatever the CI config trims
    assert rows["check-simpo-short"]["n"] == rows["check-simpo-long"]["n"] == 10  # 10 arena questions
    assert doc["passed"], json.dumps(doc["checks"], indent=1)


def test_second_run_plans_nothing(run: Path):
    result = snakemake(run, "-n", *TARGETS, "--cores", "2", "--configfiles", CI_CONFIG)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("experiment", "args", "retrained", "evaluated"),
    [
        ("selfgen-t1.0-p1.0", {"cpo_alpha": 0.1}, {"selfgen-t1.0-p1.0"}, {"selfgen-t1.0-p1.0"}),
        (  # a parent's change retrains its descendants, and regenerates their rejected answers
            "gm100-saiga60-rag55-ood5",
            {"learning_rate": 0.0001},
            {"gm100-saiga60-rag55-ood5", "selfgen-t0.3-p0.9", "selfgen-t1.0-p1.0"},
            {"selfgen-t0.3-p0.9", "selfgen-t1.0-p1.0"},
        ),
    ],
)
def test_changing_one_hyperparameter_replans_only_what_depends_on_it(
    run: Path, tmp_path, experiment, args, retrained, evaluated
):
    config = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8"))
    config["experiments"][experiment]["stage"]["args"] = args
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    result = snakemake(run, "-n", *TARGETS, "--cores", "2", "--configfiles", CI_CONFIG, str(changed))
    assert result.returncode == 0, result.stderr[-3000:]
    trained = set(re.findall(r"rule train:\n(?:    .*\n)*?    wildcards: experiment=(\S+)", result.stdout))
    rule = r"rule evaluate_model:\n(?:    .*\n)*?    wildcards: experiment=([^,\s]+)"
    assert trained == retrained and set(re.findall(rule, result.stdout)) == evaluated
    assert set(re.findall(r"output: results/tables/(\w+)\.tex", result.stdout)) == {"table11"}


def test_steps_run_by_hand_give_what_their_rules_wrote(run: Path, tmp_path):
    """Without Snakemake a step takes names, paths and the same config files, and writes the same result."""
    config = ("--configfile", "config.yaml", "--configfile", CI_CONFIG)

    def by_hand(script: str, *args) -> None:
        result = subprocess.run(
            [sys.executable, f"scripts/{script}", *config, *map(str, args)], cwd=run, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr[-3000:]

    score = tmp_path / "flores_en_ru.json"
    by_hand(
        "score_text.py",
        *("--experiment", "baseline", "--benchmark", "flores_en_ru", "--out", score),
        *(
            "--items",
            "results/benchmarks/flores_en_ru.jsonl",
            "--generations",
            "results/generations/baseline/flores_en_ru.jsonl",
        ),
    )
    by_rule = json.loads((run / "results/scores/baseline/flores_en_ru.json").read_text(encoding="utf-8"))
    assert json.loads(score.read_text(encoding="utf-8"))["metrics"] == by_rule["metrics"]
    recipe = tmp_path / "gm100.yaml"
    by_hand("training_recipe.py", "--experiment", "gm100", "--out", recipe)
    assert recipe.read_bytes() == (run / "results/recipes/gm100.yaml").read_bytes()
