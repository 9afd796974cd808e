"""The report rule: planned after every configured table, local, with a bad config key caught early."""

import yaml

from tests.workflow.test_dag import planned_jobs
from tests.workflow_helpers import ROOT, snakemake


def test_report_depends_on_every_table():
    result = snakemake(ROOT, "-n", "--cores", "1", "report", "--forceall")
    assert result.returncode == 0, result.stderr
    jobs = planned_jobs(result.stdout)
    assert jobs["report"] == 1 and jobs["table"] == 1 and jobs["generate"] == 9


def test_report_pdf_key_is_validated(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"report": {"pdf": "sometimes"}}))
    result = snakemake(ROOT, "-n", "--cores", "1", "report", "--configfile", str(bad))
    assert result.returncode != 0
    assert "report.pdf" in result.stderr and "Traceback" not in result.stderr
