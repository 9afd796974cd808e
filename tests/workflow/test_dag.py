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
    assert jobs["generate"] == 9  # arena + 5 bAbI + qasper + 2 FLORES
    assert jobs["score_text"] == 8
    assert jobs["score_mmlu"] == 2
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
    assert jobs["generate"] == 9 and jobs["judge_arena"] == 1
    assert jobs["base_model"] == 3  # 3B evaluated, 32B reference, 72B judge
