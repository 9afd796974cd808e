"""rualign estimate over a synthetic job list: tokens and A100-hours from the cost model, unknown rules."""

import re

import pytest

from rualign import config as config_mod
from rualign.estimate import Estimator, assumptions, load_cost_model, parse_dry_run, target_path
from rualign.io import RualignError

DRY_RUN = """\
Building DAG of jobs...
Job stats:
job             count
------------  -------
train               2
evaluate_model      1
total               3

[Mon Nov 23 08:46:54 2026]
rule train:
    input: results/data/gm/train.jsonl
    output: results/adapters/gm60
    jobid: 3
    wildcards: experiment=gm60
    resources: tmpdir=/tmp

rule train:
    output: results/adapters/sp60-a0.2-r1.7
    wildcards: experiment=sp60-a0.2-r1.7

rule train:
    wildcards: experiment=my-new-run

rule evaluate_model:
    wildcards: experiment=gm60

rule judge_arena:
    wildcards: experiment=gm60

localrule table:
    wildcards: table=table9

rule prepare_recipe:
    wildcards: recipe=gm

rule judge_dataset:
    wildcards: dataset=grounded_rag_ru_v2

rule generate_rejected:
    wildcards: recipe=selfgen-t0.3-p0.9

rule distill_rewards:
    wildcards: experiment=gm60
"""


@pytest.fixture(scope="module")
def estimator():
    return Estimator(config_mod.load(extra={"scale": "paper"}), load_cost_model())


def test_parse_jobs_with_wildcards():
    jobs = parse_dry_run(DRY_RUN)
    assert [j.rule for j in jobs].count("train") == 3
    assert jobs[0].wildcards == {"experiment": "gm60"}
    assert jobs[3].rule == "evaluate_model" and jobs[3].wildcards == {"experiment": "gm60"}
    assert jobs[5].rule == "table"


def test_job_stats_fallback_when_no_job_blocks():
    jobs = parse_dry_run(DRY_RUN.split("[Mon")[0])
    assert [j.rule for j in jobs] == ["train", "train", "evaluate_model"]


def test_tokens_and_hours_follow_the_cost_model(estimator):
    cost, config = estimator.cost, estimator.config
    per_rule = estimator.estimate(parse_dry_run(DRY_RUN))
    gm = cost["datasets"]["grandmaster_pro_max"]
    sp = cost["datasets"]["saiga_preferences"]
    epochs = {t: config["training"]["stages"][t]["num_train_epochs"] for t in ("sft", "simpo")}
    assert epochs == {"sft": 2, "simpo": 2}  # the thesis code's, from the paper scale
    share = 1 - config["data_recipes"]["gm"]["validation_share"]
    expected = 0.6 * gm["rows"]["value"] * gm["keep"]["value"] * gm["tokens"]["value"] * share * epochs["sft"]
    share = 1 - config["data_recipes"]["prefs-r1.7"]["validation_share"]
    expected += 0.6 * sp["rows"]["value"] * sp["keep"]["value"] * sp["tokens"]["value"] * share * epochs["simpo"]
    assert per_rule["train"].jobs == 3
    assert per_rule["train"].train_tokens == pytest.approx(expected)
    gpus = config["resources"]["train"]["gpu"]
    rate = cost["training"]["sft_tokens_per_s"]["value"]
    gm_tokens = estimator.train("gm60").train_tokens
    assert estimator.train("gm60").gpu_hours == pytest.approx(
        (gm_tokens / rate + cost["training"]["startup_s"]["value"] * gpus) / 3600
    )  # per-GPU rates: more GPUs shorten the job, not the GPU-hours
    assert any("my-new-run" in w for w in estimator.warnings)
    rag = cost["datasets"]["grounded_rag_ru_v2"]
    judged = per_rule["judge_dataset"]
    assert judged.prompt_tokens > rag["rows"]["value"] * rag["tokens"]["value"] and judged.gpu_hours > 0
    selfgen = per_rule["generate_rejected"]
    assert selfgen.generated_tokens == pytest.approx(
        sp["rows"]["value"] * cost["benchmarks"]["ru_arena_hard"]["output"]["value"]
    )
    arena = cost["benchmarks"]["ru_arena_hard"]
    babi = cost["benchmarks"]["babilong"]
    lengths = estimator.config["benchmarks"]["babilong_qa1"]["lengths"]
    evaluated = per_rule["evaluate_model"]  # every benchmark of one model in one job
    assert evaluated.generated_tokens > (
        arena["items"]["value"] * arena["output"]["value"]
        + 5 * babi["items"]["value"] * len(lengths) * babi["output"]["value"]
    )
    assert evaluated.prompt_tokens > 5 * babi["items"]["value"] * 4 * 4096  # long contexts
    generative = [b for b in config["benchmarks"] if not b.endswith("mmlu")]
    parts = [estimator.generate(b) for b in generative] + [estimator.score_mmlu(b) for b in ("rummlu", "enmmlu")]
    assert evaluated.generated_tokens == pytest.approx(sum(p.generated_tokens for p in parts))
    assert evaluated.prompt_tokens == pytest.approx(sum(p.prompt_tokens for p in parts))
    startups = cost["throughput"]
    one_model_load = (
        len(generative) * startups["small"]["startup_s"]["value"] + 2 * startups["mmlu"]["startup_s"]["value"]
    )
    one_model_load -= startups["small"]["startup_s"]["value"]  # 11 jobs' start-ups become one
    assert evaluated.gpu_hours == pytest.approx(sum(p.gpu_hours for p in parts) - one_model_load / 3600)
    games = arena["items"]["value"] * 4 * 2  # 4 references, both orders
    assert per_rule["judge_arena"].generated_tokens == pytest.approx(games * 1)  # llmtf protocol: one token a game
    assert per_rule["table"].known and per_rule["prepare_recipe"].known and per_rule["table"].gpu_hours == 0
    unknown = per_rule["distill_rewards"]
    assert unknown.jobs == 1 and not unknown.known and unknown.gpu_hours == 0


def test_config_limits_cap_the_benchmark_size():
    config = config_mod.load(extra={"scale": "paper", "overrides": {"benchmarks": {"ru_arena_hard": {"limit": 50}}}})
    estimator = Estimator(config, load_cost_model())
    cost = estimator.generate("ru_arena_hard")
    assert cost.generated_tokens == pytest.approx(50 * estimator.cost["benchmarks"]["ru_arena_hard"]["output"]["value"])


def test_every_cost_model_number_states_a_source():
    entries = assumptions(load_cost_model())
    assert len(entries) > 30
    assert all(isinstance(source, str) and source for _, _, source in entries)


def test_targets_and_bad_cost_model(tmp_path):
    assert target_path("all") == "results/tables/all"
    assert target_path("table9") == "results/tables/table9.tex"
    assert target_path("results/tables/table9.tex") == "results/tables/table9.tex"
    bad = tmp_path / "cost.yaml"
    bad.write_text("datasets: {}\n")
    with pytest.raises(RualignError, match="section 'training' missing"):
        load_cost_model(bad)


def test_every_rule_of_the_workflow_is_costed_or_known_to_be_cheap(estimator):
    """A renamed or new rule must not silently count as free: each one is costed or listed as a CPU step."""
    from rualign.estimate import COSTED_RULES, KNOWN_CHEAP_RULES, Job
    from tests.workflow_helpers import ROOT

    rules = {m for f in (ROOT / "rules").glob("*.smk") for m in re.findall(r"^rule (\w+):", f.read_text(), re.M)}
    rules -= {r for r in rules if r.startswith("unknown_")}  # catch-alls that only raise errors
    assert rules == COSTED_RULES | KNOWN_CHEAP_RULES
    wildcards = {
        "experiment": "gm60",
        "dataset": "grounded_rag_ru_v2",
        "recipe": "selfgen-t0.3-p0.9",
        "libra_or_flores": "babilong_qa1",
        "benchmark": "ru_arena_hard",  # check_score: the length checks read the arena
    }
    for rule in COSTED_RULES:
        cost = estimator.job_cost(Job(rule, wildcards))
        assert cost.known and cost.gpu_hours > 0, rule
