"""Dry run of the paper scale through profiles/slurm: what every job would ask SLURM for (no cluster needed)."""

import re
from types import SimpleNamespace

import pytest

from rualign import config as config_mod
from tests.workflow_helpers import ROOT, snakemake

slurm_plugin = pytest.importorskip(
    "snakemake_executor_plugin_slurm", reason="snakemake-executor-plugin-slurm (requirements.txt) is not installed"
)

GPU_RULES = {  # generate_reference is not planned at paper scale: llmtf_open publishes all four references
    "evaluate_model",
    "judge_arena",
    "judge_dataset",
    "generate_rejected",
    "train",
}
JUDGE_RULES = {"judge_arena", "judge_dataset"}


def planned_resources(stdout: str) -> list[tuple[str, bool, dict[str, str]]]:
    """(rule, printed as localrule, resources) of each job block that the dry run prints."""
    jobs = []
    for block in re.split(r"\n(?=\[[^\]\n]+\]\n(?:local)?rule )", stdout):
        head = re.search(r"^(local)?rule (\w+):", block, re.MULTILINE)
        res = re.search(r"^\s+resources: (.*)$", block, re.MULTILINE)
        if head and res:
            pairs = dict(item.split("=", 1) for item in res.group(1).split(", "))
            jobs.append((head.group(2), bool(head.group(1)), pairs))
    return jobs


@pytest.fixture(scope="module")
def paper_plan():
    result = snakemake(
        ROOT,
        "results/tables/table9.tex",  # evaluation, SFT chain with the judged RAG recipe, SimPO
        "results/tables/table11.tex",  # + self-generated rejected answers
        "-n",
        "--forceall",
        "--profile",
        "profiles/slurm",
        "--config",
        "scale=paper",
    )
    assert result.returncode == 0, result.stderr[-5000:]
    jobs = planned_resources(result.stdout)
    assert len(jobs) > 100, result.stdout[-3000:]
    return jobs


@pytest.fixture(scope="module")
def paper_config():
    return config_mod.load(extra={"scale": "paper"})


def sbatch_gpu_args(resources: dict[str, str]) -> str:
    """What the plugin adds to sbatch for these resources (its own function, fed the printed values)."""
    typed = {k: int(v) if v.isdigit() else v for k, v in resources.items()}
    job = SimpleNamespace(resources=SimpleNamespace(**typed, get=typed.get))
    return slurm_plugin.set_gres_string(job).strip()


def test_every_gpu_rule_requests_a100s(paper_plan, paper_config):
    seen = set()
    for rule, _, res in paper_plan:
        if rule not in GPU_RULES:
            continue
        seen.add(rule)
        if rule == "train":
            tp = paper_config["training"]["runtime"]["num_processes"]  # one accelerate process per GPU
        else:
            tp = paper_config["judge" if rule in JUDGE_RULES else "compute"]["tensor_parallel_size"]
        assert res.get("gpu_model") == "a100" and int(res["gpu"]) == tp, (rule, res)
        assert sbatch_gpu_args(res) == f"--gpus=a100:{tp}"
        assert int(res["mem_mb"]) >= 64000 and int(res["cpus_per_task"]) >= 8, (rule, res)
    assert seen == GPU_RULES
    for judge in (res for rule, _, res in paper_plan if rule in JUDGE_RULES):
        assert int(judge["gpu"]) == 4  # Qwen2.5-72B-Instruct in bf16 across 4 x A100 80 GB
    train = next(res for rule, _, res in paper_plan if rule == "train")
    assert int(train["gpu"]) == 8  # the thesis's effective batch through 8 accelerate processes


def test_cpu_rules_request_no_gpu(paper_plan):
    # (that the light ones run as local rules shows in the real run: tests/slurm; a dry run prints all as `rule`)
    for rule, _, res in paper_plan:
        if rule not in GPU_RULES:
            assert "gpu" not in res and "gpu_model" not in res and "gres" not in res, (rule, res)
            assert sbatch_gpu_args(res) == ""
    base = next(res for rule, _, res in paper_plan if rule == "base_model")
    assert (base["mem_mb"], base["runtime"]) == ("64000", "60")
    merge = next(res for rule, _, res in paper_plan if rule == "merge_adapter")
    assert int(merge["mem_mb"]) >= 32000  # a 3B model in bf16 plus its adapter, on the CPU


def test_every_gpu_group_of_the_paper_scale_names_a100(paper_config):
    groups = paper_config["resources"]
    assert {"generate", "judge", "train"} <= set(groups)
    for name, group in groups.items():
        if group.get("gpu"):
            assert group["gpu_model"] == "a100", name
