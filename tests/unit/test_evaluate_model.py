"""evaluate_model: every benchmark of one model in one process gives what a job per benchmark gave,
loads the model once, and loads none when every answer and log-probability is cached."""

import json

import pytest

from rualign import config as config_mod
from rualign import evaluate
from rualign.workflow import Workflow
from tests.workflow_helpers import ROOT

GENERATIVE = ("flores_en_ru", "ru_arena_hard")
MMLU = ("enmmlu",)


@pytest.fixture(scope="module")
def setup(tiny_model_dir, tmp_path_factory):
    config = config_mod.load(extra={"overrides": {"benchmarks": {b: {"limit": 2} for b in GENERATIVE + MMLU}}})
    workflow = Workflow(config, ROOT)
    items = tmp_path_factory.mktemp("benchmarks")
    for name in GENERATIVE + MMLU:
        evaluate.prepare_benchmark(name, config["benchmarks"][name], ROOT, config["seed"], items / f"{name}.jsonl")
    specs = {name: {**workflow.generation_spec(name), "max_new_tokens": 6} for name in GENERATIVE}
    return {"config": config, "items": items, "specs": specs, "model": tiny_model_dir}


def _evaluate(setup, out, cache):
    config = setup["config"]
    evaluate.evaluate_model(
        "baseline",
        setup["model"],
        setup["specs"],
        {name: config["benchmarks"][name] for name in MMLU},
        setup["items"],
        out / "generations",
        out / "scores",
        config["compute"],
        config["evaluation"],
        config["seed"],
        cache,
    )


@pytest.fixture
def loads(monkeypatch):
    """Counts model loads behind every evaluation step."""
    count = []
    real = evaluate.make_backend

    def counted(*args, **kwargs):
        count.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate, "make_backend", counted)
    return count


def test_one_process_equals_one_job_per_benchmark_and_loads_the_model_once(setup, tmp_path, loads):
    _evaluate(setup, tmp_path / "together", tmp_path / "cache-together")
    assert len(loads) == 1
    config, alone = setup["config"], tmp_path / "alone"
    for name in GENERATIVE:
        evaluate.generate_answers(
            name,
            setup["items"] / f"{name}.jsonl",
            setup["model"],
            setup["specs"][name],
            config["compute"],
            config["seed"],
            alone / f"{name}.jsonl",
            tmp_path / "cache-alone",
        )
        together = tmp_path / "together/generations" / f"{name}.jsonl"
        assert together.read_bytes() == (alone / f"{name}.jsonl").read_bytes(), name
    for name in MMLU:
        evaluate.score_mmlu(
            "baseline",
            name,
            setup["items"] / f"{name}.jsonl",
            setup["model"],
            config["benchmarks"][name],
            config["compute"],
            config["evaluation"],
            config["seed"],
            alone / f"{name}.json",
            tmp_path / "cache-alone",
        )
        together = json.loads((tmp_path / "together/scores" / f"{name}.json").read_text(encoding="utf-8"))
        assert together["metrics"] == json.loads((alone / f"{name}.json").read_text(encoding="utf-8"))["metrics"]
        per_item = tmp_path / "together/scores" / f"{name}.items.jsonl"
        assert per_item.read_bytes() == (alone / f"{name}.items.jsonl").read_bytes()
    assert len(loads) == 1 + len(GENERATIVE) + len(MMLU)  # a job per benchmark loads the model each time


def test_a_rerun_from_the_caches_loads_no_model_and_writes_the_same_files(setup, tmp_path, loads):
    _evaluate(setup, tmp_path / "first", tmp_path / "cache")
    _evaluate(setup, tmp_path / "again", tmp_path / "cache")
    assert len(loads) == 1
    for path in sorted((tmp_path / "first").rglob("*.jsonl")):
        again = tmp_path / "again" / path.relative_to(tmp_path / "first")
        assert again.read_bytes() == path.read_bytes(), path.name
