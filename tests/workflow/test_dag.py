"""Dry runs: what the DAG plans, and the errors a user sees when planning fails."""

import re

import pytest
import yaml

from tests.workflow_helpers import ROOT, snakemake


def planned_jobs(stdout: str) -> dict[str, int]:
    """Rule -> job count from the dry run's job-stats table."""
    table = stdout.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.MULTILINE)}


def test_table4_plans_the_whole_suite_for_baseline():
    result = snakemake(ROOT, "-n", "--cores", "1", "results/tables/table4.tex", "--forceall")
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["evaluate_model"] == 1  # arena + 5 bAbI + qasper + 2 FLORES answers and both MMLUs, one model load
    assert jobs["score_text"] == 8
    assert jobs["judge_arena"] == 1 and jobs["score_arena"] == 1
    assert jobs["generate_reference"] == 1
    assert jobs["prepare_benchmark"] == 11
    assert jobs["base_model"] == 1  # judge and reference stand-in reuse the base model at tiny scale


def test_unknown_config_key_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"experimnts": {}}))
    result = snakemake(ROOT, "-n", "--cores", "1", "--configfile", str(bad))
    assert result.returncode != 0
    assert "unknown key 'experimnts' in (top level)" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_table_names_the_known_ones():
    result = snakemake(ROOT, "-n", "--cores", "1", "results/tables/table99.tex")
    assert result.returncode != 0
    assert "unknown table 'table99': config.yaml declares table4" in result.stdout + result.stderr


@pytest.mark.parametrize("scale", ["paper"])
def test_paper_scale_plans_the_same_dag(scale):
    result = snakemake(
        ROOT, "-n", "--cores", "1", "results/tables/table4.tex", "--forceall", "--config", f"scale={scale}"
    )
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["evaluate_model"] == 1 and jobs["judge_arena"] == 1
    assert jobs["base_model"] == 2  # 3B evaluated, 72B judge (the references are llmtf_open's files)
    assert "generate_reference" not in jobs


def planned_experiments(stdout: str) -> dict[str, set[str]]:
    """Rule -> experiments it runs for, from the dry run's job list (wildcards lines)."""
    found: dict[str, set[str]] = {}
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", stdout):
        rule = re.match(r"(?:local)?rule (\w+):", block.strip())
        experiment = re.search(r"wildcards:.*?\bexperiment=([^,\s]+)", block)
        if rule and experiment:
            found.setdefault(rule.group(1), set()).add(experiment.group(1))
    return found


def dry_run(target: str, *extra: str) -> dict[str, set[str]]:
    result = snakemake(ROOT, "-n", "--cores", "1", "--forceall", target, *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return planned_experiments(result.stdout)


@pytest.mark.parametrize(
    ("table", "trained", "evaluated"),
    [
        ("table5", {"gm60", "gm80", "gm100"}, {"baseline", "gm60", "gm80", "gm100"}),
        ("table6", {"gm100", "saiga100", "gm100-saiga20"}, {"baseline", "saiga100", "gm100-saiga20"}),
        (
            "table8",
            {"gm100", "gm100-saiga60", "rag", "gm100-saiga60-rag45-ood10", "gm100-saiga60-rag55-ood5"},
            {"baseline", "rag", "gm100-saiga60-rag45-ood10", "gm100-saiga60-rag55-ood5"},
        ),
    ],
)
def test_a_table_trains_and_evaluates_exactly_its_experiments(table, trained, evaluated):
    jobs = dry_run(f"results/tables/{table}.tex")
    assert jobs["train"] == trained and jobs["merge_adapter"] == trained
    assert jobs["evaluate_model"] == evaluated and jobs["judge_arena"] == evaluated


BEST_SFT_CHAIN = {"gm100", "gm100-saiga60", "gm100-saiga60-rag55-ood5"}


@pytest.mark.parametrize(
    ("table", "trained", "evaluated"),
    [
        (
            "table9",
            BEST_SFT_CHAIN | {"sp40-a0.2-r1.7", "sp60-a0.2-r1.7"},
            {"baseline", "gm100-saiga60-rag55-ood5", "sp40-a0.2-r1.7", "sp60-a0.2-r1.7"},
        ),
        (
            "table11",
            BEST_SFT_CHAIN | {"selfgen-t0.3-p0.9", "selfgen-t1.0-p1.0"},
            {"baseline", "selfgen-t0.3-p0.9", "selfgen-t1.0-p1.0"},
        ),
    ],
)
def test_preference_tables_train_exactly_their_chain(table, trained, evaluated):
    jobs = dry_run(f"results/tables/{table}.tex")
    assert jobs["train"] == trained and jobs["merge_adapter"] == trained
    for rule in ("evaluate_model", "score_text", "judge_arena", "score_arena"):
        assert jobs[rule] == evaluated, rule


def test_table6_plans_no_gm60_or_gm80_and_no_judge_of_training_data():
    result = snakemake(ROOT, "-n", "--cores", "1", "--forceall", "results/tables/table6.tex")
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = planned_jobs(result.stdout)
    assert "judge_dataset" not in jobs  # no RAG recipe in table 6
    assert jobs["take_fraction"] == 3  # gm 100 %, saiga 100 % and 20 %
    assert "gm60" not in result.stdout and "gm80" not in result.stdout


def test_paper_scale_training_requests_gpus_and_launches_through_accelerate():
    result = snakemake(
        ROOT, "-n", "--cores", "1", "--forceall", "-p", "results/models/gm100", "--config", "scale=paper"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "accelerate launch --num_processes 8" in result.stdout
    assert "IlyaGusev" not in result.stdout  # gm100 needs only GrandMaster-PRO-MAX


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("results/scores/nope/rummlu.json", "unknown experiment 'nope' in the target path: experiments are baseline"),
        (
            "results/scores/baseline/nope.json",
            "unknown benchmark 'nope' in the target path: benchmarks are babilong_qa1",
        ),
    ],
)
def test_unknown_experiment_or_benchmark_in_a_target_is_named(target, message):
    """Issue 14: a typo in a target path names the unknown name and the known ones, not 'No rule to produce'."""
    result = snakemake(ROOT, "-n", "--cores", "1", target)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
