"""The report rule: planned after the configured tables (all, or report.tables), with bad config keys caught early."""

import yaml

from tests.workflow.test_dag import planned_jobs
from tests.workflow_helpers import ROOT, snakemake


def test_report_depends_on_every_table_by_default():
    result = snakemake(ROOT, "-n", "--cores", "1", "report", "--forceall")
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["report"] == 1 and jobs["table"] == 8  # tables 4-11


def test_report_tables_limits_what_it_builds(tmp_path):
    only = tmp_path / "only.yaml"
    only.write_text(yaml.safe_dump({"report": {"tables": ["table4"]}}))
    result = snakemake(ROOT, "-n", "--cores", "1", "report", "--forceall", "--configfile", str(only))
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["report"] == 1 and jobs["table"] == 1 and jobs["evaluate_model"] == 1
    # only the report's pipeline checks: 3 canaries; their scores (bAbI: canary, baseline; length: 2 canaries, baseline)
    assert jobs["train"] == 3 and jobs["check_score"] == 5


def test_report_keys_are_validated(tmp_path):
    for bad_report, named in (({"pdf": "sometimes"}, "report.pdf"), ({"tables": ["table99"]}, "report.tables")):
        bad = tmp_path / "bad.yaml"
        bad.write_text(yaml.safe_dump({"report": bad_report}))
        result = snakemake(ROOT, "-n", "--cores", "1", "report", "--configfile", str(bad))
        assert result.returncode != 0
        assert named in result.stderr and "Traceback" not in result.stderr


def test_main_target_builds_every_table_and_the_report():
    result = snakemake(ROOT, "-n", "--cores", "1", "results/tables/all", "--forceall")
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert (jobs["all_tables"], jobs["report"], jobs["table"], jobs["train"]) == (1, 1, 8, 21)  # 18 + 3 canaries
    assert (jobs["check_score"], jobs["pipeline_checks"]) == (5, 1)
