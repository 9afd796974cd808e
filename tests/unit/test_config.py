import copy

import pytest
import yaml

from rualign import config as C


@pytest.fixture(scope="module")
def user_config(root):
    return yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))


def test_default_config_resolves_with_defaults(user_config):
    cfg = C.resolve(user_config)
    assert cfg["scale"] == "tiny"
    assert cfg["base_model"] in cfg["models"]
    assert cfg["judge"]["api_key_env"] == "OPENAI_API_KEY"  # default filled from the schema
    assert cfg["benchmarks"]["babilong_qa3"]["data"]["path"].endswith("qa3.jsonl")
    assert cfg["benchmarks"]["babilong_qa3"]["build"]["filler_offset"] == 50


def test_every_schema_property_has_description_and_default_or_is_required(root):
    schema = C.load_schema()

    def conditionally_required(node):
        names = set()
        for branch in node.get("allOf", []):
            names.update(branch.get("then", {}).get("required", []))
        for branch in node.get("oneOf", []):
            names.update(branch.get("required", []))
        return names

    def walk(node, where, required=()):
        required = set(required) | conditionally_required(node)
        for name, sub in node.get("properties", {}).items():
            assert "description" in sub or "$ref" in sub, f"{where}.{name} has no description"
            if "$ref" not in sub and sub.get("type") != "object" and name not in required:
                assert "default" in sub, f"{where}.{name} has no default and is not required"
            walk(sub, f"{where}.{name}", sub.get("required", ()))

    walk(schema, "config", schema["required"])
    for name, sub in schema["$defs"].items():
        walk(sub, f"$defs.{name}", sub.get("required", ()))


def test_unknown_top_level_key_is_named(user_config):
    bad = {**user_config, "experimnts": {}}
    with pytest.raises(C.ConfigError, match=r"unknown key 'experimnts' in \(top level\)"):
        C.resolve(bad)


def test_unknown_nested_key_is_named_with_allowed_keys(user_config):
    bad = copy.deepcopy(user_config)
    bad["tables"]["table4"]["colums"] = ["baseline"]
    with pytest.raises(C.ConfigError, match=r"unknown key 'colums' in tables\.table4 \(allowed: caption, columns"):
        C.resolve(bad)


def test_wrong_type_names_the_key(user_config):
    bad = copy.deepcopy(user_config)
    bad["overrides"] = {"benchmarks": {"rummlu": {"limit": "ten"}}}
    with pytest.raises(C.ConfigError, match=r"benchmarks\.rummlu\.limit: 'ten' is not of type 'integer'"):
        C.resolve(bad)


def test_unknown_scale(user_config):
    with pytest.raises(C.ConfigError, match="scale 'huge' has no preset"):
        C.resolve({**user_config, "scale": "huge"})


def test_table_column_must_be_an_experiment(user_config):
    bad = copy.deepcopy(user_config)
    bad["tables"]["table4"]["columns"] = ["gm1000"]
    with pytest.raises(C.ConfigError, match=r"tables\.table4\.columns: 'gm1000' is not an experiment"):
        C.resolve(bad)


def test_unknown_metric_and_parent_loop(user_config):
    bad = copy.deepcopy(user_config)
    bad["tables"]["table4"]["metrics"] = ["bleu"]
    bad["experiments"]["a"] = {"parent": "b"}
    bad["experiments"]["b"] = {"parent": "a"}
    with pytest.raises(C.ConfigError) as err:
        C.resolve(bad)
    assert "unknown metric 'bleu'" in str(err.value)
    assert "parent chain loops" in str(err.value)


def test_overrides_merge_over_preset(user_config):
    cfg = C.resolve({**user_config, "overrides": {"base_model": "gemma3-270m", "benchmarks": {"rummlu": {"limit": 7}}}})
    assert cfg["base_model"] == "gemma3-270m"
    assert cfg["benchmarks"]["rummlu"]["limit"] == 7
    assert cfg["benchmarks"]["rummlu"]["language"] == "ru"  # untouched keys survive the merge


def test_paper_scale_resolves(user_config):
    cfg = C.resolve({**user_config, "scale": "paper"})
    assert cfg["models"][cfg["base_model"]]["repo_id"] == "Qwen/Qwen2.5-3B-Instruct"
    assert cfg["judge"]["model"] == "qwen2.5-72b-instruct" and cfg["judge"]["mode"] == "generate"


def test_openai_judge_needs_base_url(user_config):
    bad = copy.deepcopy(user_config)
    bad["overrides"] = {"judge": {"backend": "openai", "mode": "generate", "model": "x"}}
    with pytest.raises(C.ConfigError, match="judge.base_url: required"):
        C.resolve(bad)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c["experiments"]["gm60"]["stage"].update(data="nope"),
            "gm60.stage.data: 'nope' is not a data recipe",
        ),
        (
            lambda c: c["experiments"]["gm60"]["stage"].update(type="simpo"),
            "a simpo stage needs preference data, recipe 'gm' gives chat",
        ),
        (
            lambda c: c["experiments"]["sp40-a0.2-r1.7"]["stage"].setdefault("args", {}).update(max_prompt_length=4096),
            r"max_prompt_length \(4096\) must be below max_length",
        ),
        (
            lambda c: c["experiments"]["gm60"]["stage"].setdefault("args", {}).update(beta=0.1),
            "do not apply to a sft stage",
        ),
        (lambda c: c["experiments"]["gm60"]["stage"].setdefault("args", {}).update(lr=0.1), "unknown key|lr"),
        (lambda c: c["data_recipes"]["gm"].update(dataset="gm_typo"), "'gm_typo' is not a dataset of the scale"),
        (lambda c: c["experiments"].update(orphan={"parent": "gm100"}), "orphan: has a parent but no stage"),
    ],
)
def test_training_config_errors_name_the_key(user_config, edit, message):
    bad = copy.deepcopy(user_config)
    edit(bad)
    with pytest.raises(C.ConfigError, match=message):
        C.resolve(bad)


def test_arena_judge_and_sampling_defaults_are_the_thesis(user_config):
    for scale in ("tiny", "paper"):
        cfg = C.resolve({**user_config, "scale": scale})
        assert cfg["judge"]["arena_protocol"] == "llmtf"
        arena = cfg["benchmarks"]["ru_arena_hard"]
        assert arena["sampling"] == {"temperature": 0.3, "top_p": 0.9, "top_k": 40, "repetition_penalty": 1.1}
        assert cfg["evaluation"]["arena_max_invalid_share"] == 0.05
    paper = C.resolve({**user_config, "scale": "paper"})["benchmarks"]["ru_arena_hard"]
    assert paper["max_new_tokens"] == 2048 and paper["generated_references"] == {}
    for name, source in paper["reference_answers"].items():
        assert "llmtf_open/97b30220e3edb4fa3de010212cb494f5f6fd614b/" in source["url"]
        assert source["url"].endswith(f"/{name}.json") and len(source["sha256"]) == 64


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"judge": {"timeout_s": 0}}, "timeout_s"),
        ({"judge": {"arena_protocol": "vibes"}}, "arena_protocol"),
        ({"benchmarks": {"ru_arena_hard": {"sampling": {"top_k": -1}}}}, "top_k"),
        ({"benchmarks": {"ru_arena_hard": {"sampling": {"min_p": 0.1}}}}, "min_p"),
        ({"evaluation": {"arena_max_invalid_share": 2}}, "arena_max_invalid_share"),
    ],
)
def test_arena_config_errors_name_the_key(user_config, overrides, message):
    bad = copy.deepcopy(user_config)
    if "evaluation" in overrides:
        bad["evaluation"] = {**bad.get("evaluation", {}), **overrides["evaluation"]}
    else:
        bad["overrides"] = overrides
    with pytest.raises(C.ConfigError, match=message):
        C.resolve(bad)


def test_thesis_protocol_is_the_default_and_reaches_the_generation_spec(user_config, root):
    from rualign.workflow import Workflow

    resolved = C.resolve(copy.deepcopy(user_config))
    ev = resolved["evaluation"]
    assert (ev["mmlu_prompt"], ev["mmlu_aggregation"], ev["flores_prompt"], ev["flores_tokenizer"]) == (
        "llmtf",
        "category_mean",
        "darumeru",
        "llmtf",
    )
    assert (ev["system_turn"], ev["arena_system_turn"], ev["prompt_truncation"]) == ("none", "model_default", "left")
    assert (ev["libra_length_decimals"], ev["libra_length_mean"]) == (3, "present")
    workflow = Workflow.from_snakemake(copy.deepcopy(user_config), root)
    assert workflow.generation_spec("flores_en_ru")["flores_prompt"] == "darumeru"
    assert workflow.generation_spec("babilong_qa1")["system_turn"] == "none"
    assert workflow.generation_spec("ru_arena_hard")["system_turn"] == "model_default"
    assert workflow.generation_spec("ruqasper")["sampling"] == "llmtf"
    assert workflow.generation_spec("ru_arena_hard")["sampling"]["temperature"] == 0.3  # the arena's own settings
    from rualign.evaluate import sampling_params

    params = sampling_params(workflow.generation_spec("flores_ru_en"), 1)
    assert (params.temperature, params.top_p) == (0.1, 0.9)
    assert sampling_params({"max_new_tokens": 4}, 1).temperature == 0.0


def test_a_canary_is_validated_and_reaches_the_resolved_config(user_config):
    good = copy.deepcopy(user_config)
    canary = {"metric": "babilong_qa1", "expect": "up", "against": "baseline"}
    good["experiments"]["gm60"]["canary"] = canary
    assert C.resolve(good)["experiments"]["gm60"]["canary"] == {**canary, "margin": 0, "tolerance": 0}
    assert C.resolve(good)["experiments"]["baseline"]["canary"] is None
    bad = copy.deepcopy(user_config)
    bad["experiments"]["gm60"]["canary"] = {"metric": "bleu", "expect": "up", "against": "nobody"}
    with pytest.raises(C.ConfigError) as err:
        C.resolve(bad)
    assert "experiments.gm60.canary.metric: unknown metric 'bleu'" in str(err.value)
    assert "experiments.gm60.canary.against: 'nobody' is not an experiment" in str(err.value)
    bad["experiments"]["gm60"]["canary"] = {"metric": "rummlu", "expect": "sideways", "against": "baseline"}
    with pytest.raises(C.ConfigError, match="sideways"):
        C.resolve(bad)
    bad["experiments"]["gm60"]["canary"] = {"metric": "judge_winrate", "expect": "up", "against": "baseline"}
    with pytest.raises(C.ConfigError, match="canary.metric: 'judge_winrate' is not scored from the answers alone"):
        C.resolve(bad)
    bad["experiments"]["gm60"]["canary"] = {"metric": "answer_length", "expect": "down", "against": "baseline"}
    assert C.resolve(bad)["experiments"]["gm60"]["canary"]["metric"] == "answer_length"  # no judge needed
