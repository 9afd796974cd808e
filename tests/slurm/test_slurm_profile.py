"""profiles/slurm on a real one-node SLURM cluster (scripts/local-slurm.sh up), tiny scale.

One run of `snakemake results/tables/table4.tex --profile profiles/slurm` (trimmed by
tests/ci_config.yaml; GPU groups ask for a fake A100 through tests/slurm/gpu_resources.yaml).
While it runs, the first running `evaluate_model` job is scancel'ed. Checks: the run completes; every
non-local rule went through sbatch and SLURM ran it; GPU rules carried the A100 request; the
cancelled job was retried with more memory; the scores equal a local-profile run of the same config
(the CI's README step-2 build when RUALIGN_E2E_WORKDIR names it, else a run of its own).

Skipped where no cluster answers; with RUALIGN_SLURM_TESTS=1 (set by .ci/run) a missing cluster fails.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.workflow_helpers import copy_workflow, snakemake

pytestmark = pytest.mark.slurm

GPU_RULES = {"evaluate_model", "generate_reference", "judge_arena"}
SUBMITTED_RULES = GPU_RULES | {"base_model"}  # every other rule of table 4 is a local rule
CONFIGS = ("tests/ci_config.yaml", "tests/slurm/gpu_resources.yaml")


def _cluster_problem() -> str | None:
    """Why the SLURM tests cannot run here, or None."""
    if shutil.which("sbatch") is None:
        return "no SLURM client (sbatch); bring a test cluster up with `sudo scripts/local-slurm.sh up`"
    try:
        state = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return "sinfo timed out: no SLURM controller answers"
    if state.returncode != 0 or not {"idle", "mixed", "allocated"} & set(state.stdout.split()):
        return f"no usable SLURM node (sinfo: {(state.stdout + state.stderr).strip()!r}); run scripts/local-slurm.sh up"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm is not installed (requirements.txt)"
    return None


@pytest.fixture(scope="module")
def cluster():
    problem = _cluster_problem()
    if problem and os.environ.get("RUALIGN_SLURM_TESTS") == "1":
        pytest.fail(f"RUALIGN_SLURM_TESTS=1 but {problem}")
    if problem:
        pytest.skip(problem)


def _squeue(run_id: str) -> list[tuple[str, str, str]]:
    out = subprocess.run(
        ["squeue", "-h", "-n", run_id, "-o", "%i|%T|%k"], capture_output=True, text=True, timeout=30
    ).stdout
    return [tuple(line.split("|", 2)) for line in out.splitlines() if line.count("|") == 2]


def _scancel_first_running_evaluation(proc: subprocess.Popen, log: Path, deadline: float) -> str | None:
    """Wait for the run's first running `evaluate_model` job, let it work a few seconds, scancel it."""
    run_id = None
    while time.monotonic() < deadline and proc.poll() is None:
        if run_id is None:
            found = re.search(r"SLURM run ID: (\S+)", log.read_text(errors="replace"))
            run_id = found and found.group(1)
        for job_id, state, comment in _squeue(run_id) if run_id else []:
            if state == "RUNNING" and comment.startswith("rule_evaluate_model_wildcards_"):
                time.sleep(3)  # inside the job: past snakemake's start, into the model's work
                subprocess.run(["scancel", job_id], check=True, timeout=30)
                return job_id
        time.sleep(0.5)
    return None


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm") / "rualign")
    log = workdir.parent / "snakemake.log"
    bin_dir = Path(sys.executable).parent
    args = [
        str(bin_dir / "snakemake"),
        "results/tables/table4.tex",
        "--profile",
        "profiles/slurm",
        "--profile",
        "tests/slurm/profile",
        "--configfiles",
        *CONFIGS,
    ]
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    start = time.monotonic()
    deadline = start + 1200
    with log.open("w") as out:
        proc = subprocess.Popen(args, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
        try:
            cancelled = _scancel_first_running_evaluation(proc, log, deadline)
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            # The plugin ignores SIGTERM while it polls; SIGKILL it, then cancel what it left queued.
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            found = re.search(r"SLURM run ID: (\S+)", log.read_text(errors="replace"))
            if found:
                subprocess.run(["scancel", "-n", found.group(1)], timeout=30)
            pytest.fail("snakemake --profile profiles/slurm did not finish in 20 min:\n" + log.read_text()[-5000:])
    text = log.read_text(errors="replace")
    print(f"slurm run: {time.monotonic() - start:.0f} s wall")
    assert proc.returncode == 0, text[-8000:]
    submissions = [
        (int(m.group(1)), m.group(2), m.group(3))  # (snakemake job id, SLURM job id, rule)
        for m in re.finditer(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: \S*/rule_(\w+)/", text)
    ]
    return {"workdir": workdir, "log": text, "cancelled": cancelled, "submissions": submissions}


def _job_record(slurm_job_id: str) -> dict[str, str]:
    """slurmctld's record of a job (local-slurm.sh keeps it MinJobAge = 1 h; with or without accounting)."""
    out = subprocess.run(["scontrol", "-o", "show", "job", slurm_job_id], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"SLURM has no record of job {slurm_job_id}: {out.stderr}"
    return dict(field.split("=", 1) for field in out.stdout.split() if "=" in field)


def test_table4_completes_through_slurm(slurm_run):
    assert (slurm_run["workdir"] / "results/tables/table4.tex").is_file()
    assert "Unable to get the status" not in slurm_run["log"]


def test_every_cluster_rule_went_through_sbatch(slurm_run):
    submitted = {rule for _, _, rule in slurm_run["submissions"]}
    assert submitted == SUBMITTED_RULES, slurm_run["log"][-3000:]
    per_rule = {rule: 0 for rule in SUBMITTED_RULES}
    for _, slurm_id, rule in slurm_run["submissions"]:
        per_rule[rule] += 1
        record = _job_record(slurm_id)
        expected = "CANCELLED" if slurm_id == slurm_run["cancelled"] else "COMPLETED"
        assert record["JobState"] == expected, (rule, slurm_id, record["JobState"])
        assert record["Comment"].startswith(f"rule_{rule}")
    # evaluate_model: the baseline's evaluation + the resubmission of the cancelled job
    assert per_rule == {"base_model": 1, "evaluate_model": 2, "generate_reference": 1, "judge_arena": 1}
    for local in ("prepare_benchmark", "score_text", "score_arena", "table"):
        assert re.search(rf"^localrule {local}:", slurm_run["log"], re.MULTILINE), local
    # and the work itself ran inside those jobs: provenance records the SLURM job id it saw
    completed = {s for _, s, _ in slurm_run["submissions"] if s != slurm_run["cancelled"]}
    baseline = slurm_run["workdir"] / "results"
    generations = sorted((baseline / "generations/baseline").glob("*.provenance.json"))
    assert len(generations) == 9
    for path in generations:
        assert json.loads(path.read_text(encoding="utf-8"))["slurm_job_id"] in completed, path.name
    for mmlu in ("rummlu", "enmmlu"):
        score = json.loads((baseline / f"scores/baseline/{mmlu}.json").read_text(encoding="utf-8"))
        assert score["provenance"]["slurm_job_id"] in completed, mmlu


def test_gpu_rules_carried_the_a100_request(slurm_run):
    for _, slurm_id, rule in slurm_run["submissions"]:
        record = _job_record(slurm_id)
        # sbatch --gpus=a100:1 (gpu + gpu_model) is recorded as the job's TRES-per-job request
        if rule in GPU_RULES:
            assert record.get("TresPerJob") == "gres:gpu:a100:1", (rule, record.get("TresPerJob"))
        else:
            assert "gpu" not in record.get("TresPerJob", ""), (rule, record.get("TresPerJob"))


def test_scancelled_job_was_retried_with_more_memory(slurm_run):
    cancelled = slurm_run["cancelled"]
    assert cancelled, "no evaluate_model job was seen running, so none was cancelled"
    assert f"SLURM-job '{cancelled}' failed" in slurm_run["log"]
    job_of = {slurm_id: job for job, slurm_id, _ in slurm_run["submissions"]}
    resubmitted = [s for job, s, _ in slurm_run["submissions"] if job == job_of[cancelled] and s != cancelled]
    assert len(resubmitted) == 1, slurm_run["submissions"]
    first, retry = _job_record(cancelled), _job_record(resubmitted[0])
    assert retry["JobState"] == "COMPLETED"
    # tests/slurm/gpu_resources.yaml: generate mem_mb 1500, retry_growth 2 -> attempt 2 asks for 3000
    assert (first["MinMemoryNode"], retry["MinMemoryNode"]) == ("1500M", "3000M")


@pytest.fixture(scope="module")
def local_run(slurm_run, tmp_path_factory):
    """The same trimmed config with the laptop profile: the CI's README step-2 build of table 4 (same config,
    RUALIGN_E2E_WORKDIR), else a run of its own that reuses the converted model."""
    shared = os.environ.get("RUALIGN_E2E_WORKDIR")
    if shared and (Path(shared) / "results/tables/table4.tex").is_file():
        return Path(shared)
    workdir = copy_workflow(tmp_path_factory.mktemp("local") / "rualign")
    models = "results/base_models"
    shutil.copytree(slurm_run["workdir"] / models, workdir / models)
    start = time.monotonic()
    result = snakemake(workdir, "results/tables/table4.tex", "--configfiles", *CONFIGS[:1])
    print(f"local run: {time.monotonic() - start:.0f} s wall")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert "rule base_model:" not in result.stdout + result.stderr
    return workdir


def test_scores_equal_the_local_profile(slurm_run, local_run):
    scores = sorted((slurm_run["workdir"] / "results/scores/baseline").glob("*.json"))
    assert len(scores) == 11
    for path in scores:
        on_slurm = json.loads(path.read_text(encoding="utf-8"))
        local = json.loads((local_run / "results/scores/baseline" / path.name).read_text(encoding="utf-8"))
        assert on_slurm["metrics"] == local["metrics"], path.name
