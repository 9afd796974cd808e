"""Workflow.resources: a rule group's cluster resources, growing on retry."""

import pytest

from rualign import config as config_mod
from rualign.workflow import Workflow


def workflow(resources: dict) -> Workflow:
    cfg = config_mod.load(extra={"overrides": {"resources": resources}})
    return Workflow(cfg, ".")


def test_missing_group_requests_nothing():
    assert Workflow(config_mod.load(), ".").resources("train") == {}  # tiny scale: no cluster resources


def test_threads_are_the_rules_threads_not_a_resource():
    tiny = Workflow(config_mod.load(), ".")
    assert (tiny.threads("generate"), tiny.threads("judge"), tiny.threads("train")) == (1, 1, 2)
    assert tiny.resources("generate") == {}
    assert workflow({"train": {"threads": 8, "cpus_per_task": 8}}).threads("train") == 8


def test_unset_keys_are_left_out_and_gpu_keys_pass_unchanged():
    res = workflow({"judge": {"gpu": 4, "gpu_model": "a100", "cpus_per_task": 16}}).resources("judge")
    assert res == {"gpu": 4, "gpu_model": "a100", "cpus_per_task": 16}


@pytest.mark.parametrize(
    ("growth", "expected"), [(None, [8000, 12000, 18000]), (2, [8000, 16000, 32000]), (1, [8000] * 3)]
)
def test_memory_and_runtime_grow_with_each_attempt(growth, expected):
    group = {"mem_mb": 8000, "runtime": 60} | ({"retry_growth": growth} if growth else {})
    res = workflow({"generate": group}).resources("generate")
    assert [res["mem_mb"](None, attempt) for attempt in (1, 2, 3)] == expected  # default retry_growth 1.5
    assert res["runtime"](None, 2) == round(60 * (growth or 1.5))
    assert "retry_growth" not in res


def test_unknown_resource_key_is_a_config_error():
    with pytest.raises(config_mod.ConfigError, match=r"unknown key 'gpus' in resources\.generate"):
        workflow({"generate": {"gpus": 1}})


def test_paper_judge_gpus_match_its_tensor_parallel_size():
    cfg = config_mod.load(extra={"scale": "paper"})
    assert cfg["resources"]["judge"]["gpu"] == cfg["judge"]["tensor_parallel_size"] > 1
    assert cfg["resources"]["generate"]["gpu"] == cfg["compute"]["tensor_parallel_size"]
    assert cfg["resources"]["train"]["gpu_model"] == "a100"
