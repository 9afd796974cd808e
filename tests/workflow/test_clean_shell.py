"""The README's commands work in a shell that activated nothing: rules run the Python of the environment
Snakemake runs in, not whatever `python` comes first on PATH. Hostile names never reach a shell unquoted."""

import json
import subprocess
import sys
from pathlib import Path

from tests.workflow_helpers import copy_workflow


def test_a_rule_runs_with_only_the_system_path(tmp_path):
    """`.venv/bin/snakemake <target>` with PATH=/usr/bin:/bin, as README step 2 (a cheap data rule)."""
    workdir = copy_workflow(tmp_path / "rualign")
    snakemake = Path(sys.executable).parent / "snakemake"
    target = "results/data/normalised/grandmaster_pro_max.jsonl"
    result = subprocess.run(
        [str(snakemake), target, "--cores", "1"],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    log = workdir / "logs/normalise_dataset/grandmaster_pro_max.log"
    assert result.returncode == 0, result.stderr[-3000:] + (log.read_text() if log.exists() else "")
    assert (workdir / target).stat().st_size > 0


def test_a_finished_run_says_where_the_report_is_and_how_to_get_a_pdf(tmp_path):
    from rualign.workflow import report_notice

    assert report_notice(tmp_path) is None
    prov = tmp_path / "results/report/report.provenance.json"
    prov.parent.mkdir(parents=True)
    prov.write_text(json.dumps({"build": {"pdf": None, "reason": "no pdflatex on PATH"}}))
    notice = report_notice(tmp_path)
    assert "no PDF (no pdflatex on PATH)" in notice and "./setup.sh --tex" in notice
    prov.write_text(json.dumps({"build": {"pdf": "results/report/report.pdf"}}))
    assert "results/report/report.pdf" in report_notice(tmp_path)


def test_rule_shells_keep_bash_strict_mode():
    from snakemake_interface_executor_plugins.settings import DeploymentMethod

    from rualign.workflow import Workflow

    for methods in (set(), {DeploymentMethod.CONDA}):
        assert Workflow.shell_prefix(methods).startswith("set -euo pipefail; ")
