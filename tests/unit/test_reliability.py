"""Hostile inputs of issue 14 (reliability): each test names its case and checks the message a user sees.

Cases: 1 names that become paths/wildcards, 2 duplicate benchmark ids, 3 missing local data files,
4 duplicate YAML keys, 5 null in overrides deletes, 6 duplicated rows across the split,
7 readable messages (malformed YAML, --config strings, scale paths, empty benchmark file, empty
chosen answer, audit of a deleted file, GGUF sha key, cache line without key, corrupt safetensors),
8 values that passed validation and crashed later (timeout, device, CUDA, vLLM).
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from rualign import config as C
from tests.workflow_helpers import ROOT, copy_workflow, snakemake


@pytest.fixture(scope="module")
def user_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def _resolve_with(user_config, overrides):
    return C.resolve({**copy.deepcopy(user_config), "overrides": overrides})


def _config_error(user_config, overrides) -> str:
    with pytest.raises(C.ConfigError) as err:
        _resolve_with(user_config, overrides)
    return str(err.value)


# ---------------------------------------------------------------- case 1
@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"models": {"m$(touch pwned_model)": {"source": "path", "path": "/nonexistent"}}}, "models"),
        (
            {"datasets": {"../evil": {"source": {"path": "x.jsonl"}, "kind": "chat", "fields": {"messages": "m"}}}},
            "datasets",
        ),
        (
            {"benchmarks": {"ru_arena_hard": {"generated_references": {"a b;rm -rf": "smollm2-135m-instruct"}}}},
            "benchmarks.ru_arena_hard.generated_references",
        ),
        (
            {"benchmarks": {"ru_arena_hard": {"reference_answers": {"x/../y": {"path": "a.jsonl"}}}}},
            "benchmarks.ru_arena_hard.reference_answers",
        ),
        ({"experiments": {"e`id`": {}}}, "experiments"),
        ({"data_recipes": {"-r": {"dataset": "saiga_scored"}}}, "data_recipes"),
        ({"tables": {"t$x": {"caption": "c", "columns": ["baseline"]}}}, "tables"),
    ],
)
def test_case1_names_that_become_paths_must_match_the_name_pattern(user_config, overrides, key):
    """Case 1: a config name used as a path or wildcard with shell or path characters stops validation."""
    message = _config_error(user_config, overrides)
    assert f"  - {key}: name " in message and "is not allowed" in message, message


def test_case1_existing_names_still_pass():
    """Case 1: the names the project uses pass the name pattern."""
    import re

    pattern = re.compile(C.load_schema()["$defs"]["name"]["pattern"])
    for name in ("gm100-saiga60-rag55-ood5", "Qwen2.5-32B-Instruct", "gigachat_max_26.20_uncen", "sp60-a0.2-r1.7"):
        assert pattern.fullmatch(name), name
    for scale in ("tiny", "paper"):
        C.load(extra={"scale": scale})  # every name of both presets and config.yaml validates


@pytest.mark.parametrize("device", ["cpux", "cuda:", "gpu", "cuda:0;ls", ""])
def test_case1_compute_device_is_a_known_device(user_config, device):
    """Case 1/8: compute.device must be cpu, cuda, cuda:N or mps."""
    assert "compute.device:" in _config_error(user_config, {"compute": {"device": device}})


@pytest.mark.parametrize("device", ["cpu", "cuda", "cuda:1", "mps"])
def test_case1_compute_device_accepts_real_devices(user_config, device):
    """Case 1: the accepted devices validate."""
    assert _resolve_with(user_config, {"compute": {"device": device}})["compute"]["device"] == device


def test_case1_injected_model_name_stops_the_dry_run(tmp_path):
    """Case 1: the issue's reproduction: snakemake -n with a shell-injecting model name stops at validation."""
    work = copy_workflow(tmp_path / "w")
    (work / "inj.yaml").write_text(
        'overrides:\n  models:\n    "m$(touch pwned_model)": {source: path, path: /nonexistent}\n', encoding="utf-8"
    )
    result = snakemake(
        work, "-n", "--cores", "1", "results/base_models/m$(touch pwned_model)", "--configfile", "inj.yaml"
    )
    assert result.returncode != 0
    assert "models: name 'm$(touch pwned_model)' is not allowed" in result.stderr, result.stderr
    assert not (work / "pwned_model").exists()


# ---------------------------------------------------------------- case 3
def test_case3_missing_local_benchmark_file_stops_config_load(tmp_path):
    """Case 3: a benchmark pointed at a file that does not exist stops planning, naming key and path."""
    with pytest.raises(C.ConfigError) as err:
        C.load(extra={"overrides": {"benchmarks": {"rummlu": {"data": {"path": "data/moved.jsonl"}}}}})
    assert "benchmarks.rummlu.data.path: data file data/moved.jsonl does not exist" in str(err.value)


def test_case3_missing_local_dataset_file_stops_workflow_construction(user_config):
    """Case 3: a dataset source path that does not exist stops Workflow construction (the Snakefile's step)."""
    from rualign.workflow import Workflow

    config = {**user_config, "overrides": {"datasets": {"saiga_scored": {"source": {"path": "gone.jsonl"}}}}}
    with pytest.raises(SystemExit) as err:
        Workflow.from_snakemake(config, ROOT, configfiles=[])
    assert err.value.code == 1


def test_case3_missing_file_message_in_dry_run(tmp_path):
    """Case 3: snakemake -n prints the config key and the path of the missing file."""
    work = copy_workflow(tmp_path / "w")
    (work / "miss.yaml").write_text("overrides: {benchmarks: {flores_en_ru: {data: {path: data/nope.jsonl}}}}\n")
    result = snakemake(work, "-n", "--cores", "1", "results/tables/table4.tex", "--configfile", "miss.yaml")
    assert result.returncode != 0
    assert "benchmarks.flores_en_ru.data.path: data file data/nope.jsonl does not exist" in result.stderr


def test_case3_benchmark_rule_inputs_are_the_local_data_files(user_config):
    """Case 3: prepare_benchmark's inputs are the benchmark's local files, so a changed path reruns it."""
    from types import SimpleNamespace

    from rualign.workflow import Workflow

    cfg = _resolve_with(user_config, {})
    inputs = Workflow(cfg, ROOT).benchmark_inputs(SimpleNamespace(benchmark="babilong_qa2"))
    assert inputs["data"] == "data/babi/en/qa2.jsonl"
    assert inputs["build_filler"] == "data/flores/devtest_eng_Latn-rus_Cyrl.jsonl"


# ---------------------------------------------------------------- case 4
def test_case4_duplicate_key_in_a_configfile_names_key_file_and_line(tmp_path):
    """Case 4: a key given twice in a YAML config file is an error naming the key, file and line."""
    path = tmp_path / "dup.yaml"
    path.write_text("scale: tiny\noverrides:\n  base_model: gemma3-270m\n  base_model: x\n", encoding="utf-8")
    with pytest.raises(C.ConfigError) as err:
        C.check_files([path])
    assert f"{path}:4: duplicate key 'base_model' (first given on line 3)" in str(err.value)
    with pytest.raises(C.ConfigError, match="duplicate key 'base_model'"):
        C.load(path)


def test_case4_duplicate_key_in_a_scale_preset(tmp_path, monkeypatch):
    """Case 4: a duplicate key in a scale preset is an error naming it (YAML merge keys stay allowed)."""
    scales = tmp_path / "scales"
    scales.mkdir()
    text = (C.SCALES_DIR / "tiny.yaml").read_text(encoding="utf-8")
    (scales / "tiny.yaml").write_text(text + "base_model: gemma3-270m\n", encoding="utf-8")
    monkeypatch.setattr(C, "SCALES_DIR", scales)
    with pytest.raises(C.ConfigError) as err:
        C.load_preset("tiny")
    assert "tiny.yaml" in str(err.value) and "duplicate key 'base_model'" in str(err.value)


def test_case4_presets_and_config_yaml_have_no_duplicate_keys():
    """Case 4: the shipped files pass the strict loader (anchors and << merge keys included)."""
    C.check_files([ROOT / "config.yaml", *sorted(C.SCALES_DIR.glob("*.yaml"))])
    assert C.read_yaml(C.SCALES_DIR / "tiny.yaml") == yaml.safe_load((C.SCALES_DIR / "tiny.yaml").read_text())


def test_case4_duplicate_key_in_configfile_stops_the_dry_run(tmp_path):
    """Case 4: snakemake --configfile with a duplicate key stops, naming file, line and key."""
    work = copy_workflow(tmp_path / "w")
    (work / "dup.yaml").write_text("overrides:\n  base_model: gemma3-270m\n  base_model: smollm2-135m-instruct\n")
    result = snakemake(work, "-n", "--cores", "1", "results/tables/table4.tex", "--configfile", "dup.yaml")
    assert result.returncode != 0
    assert "dup.yaml:3: duplicate key 'base_model' (first given on line 2)" in result.stderr, result.stderr


# ---------------------------------------------------------------- case 5
def test_case5_null_in_overrides_deletes_a_preset_entry(user_config):
    """Case 5: `overrides` with null removes a preset key; {} still merges (changes nothing)."""
    refs = {"benchmarks": {"ru_arena_hard": {"generated_references": {"Qwen2.5-32B-Instruct": None}}}}
    assert _resolve_with(user_config, refs)["benchmarks"]["ru_arena_hard"]["generated_references"] == {}
    whole = {"benchmarks": {"ru_arena_hard": {"generated_references": None}}}
    assert _resolve_with(user_config, whole)["benchmarks"]["ru_arena_hard"]["generated_references"] == {}
    kept = {"benchmarks": {"ru_arena_hard": {"generated_references": {}}}}
    assert _resolve_with(user_config, kept)["benchmarks"]["ru_arena_hard"]["generated_references"]
    assert "null value deletes" in C.load_schema()["properties"]["overrides"]["description"]


# ---------------------------------------------------------------- case 7 (config messages)
def test_case7_malformed_yaml_names_file_and_line(tmp_path):
    """Case 7: a YAML syntax error names the file, line and column."""
    path = tmp_path / "bad.yaml"
    path.write_text("scale: tiny\noverrides: {benchmarks: {rummlu: {limit: 3}}\nseed: 1\n", encoding="utf-8")
    with pytest.raises(C.ConfigError) as err:
        C.load(path)
    assert str(err.value).startswith(f"{path}:3:") and "not valid YAML" in str(err.value), str(err.value)


def test_case7_malformed_config_yaml_stops_the_dry_run_with_its_line(tmp_path):
    """Case 7: the workflow's own config.yaml, malformed: file:line:column, not Snakemake's bare message."""
    from tests.workflow_helpers import copy_workflow

    workdir = copy_workflow(tmp_path / "rualign")
    config = workdir / "config.yaml"
    lines = config.read_text(encoding="utf-8").count("\n")
    config.write_text(config.read_text(encoding="utf-8") + "seed: [1, 2\n", encoding="utf-8")
    result = snakemake(workdir, "-n", "--cores", "1")
    assert result.returncode != 0
    assert f"error: config.yaml:{lines + 2}:1: not valid YAML" in result.stderr, result.stderr[-2000:]


def test_case7_config_strings_are_coerced_through_the_schema(user_config):
    """Case 7: --config 'overrides={compute: {batch_size: 1}}' gives '1'; the schema's type makes it 1."""
    cfg = _resolve_with(user_config, {"compute": {"batch_size": "1"}, "report": {"pdf": "false"}})
    assert cfg["compute"]["batch_size"] == 1 and cfg["report"]["pdf"] is False
    assert "compute.batch_size: 'x' is not of type 'integer'" in _config_error(
        user_config, {"compute": {"batch_size": "x"}}
    )


def test_case7_config_strings_from_the_command_line(tmp_path):
    """Case 7: the snakemake --config form of nested numbers plans (was: '1' is not of type 'integer')."""
    result = snakemake(
        ROOT, "-n", "--cores", "1", "results/tables/table4.tex", "--config", "overrides={compute: {batch_size: 1}}"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("scale", ["../schema/config.schema", "/etc/passwd", "tiny/../paper"])
def test_case7_scale_must_name_a_preset_file(user_config, scale):
    """Case 7: scale is the name of a file in config/scales/, never a path to other YAML."""
    with pytest.raises(C.ConfigError) as err:
        C.resolve({**user_config, "scale": scale})
    assert f"scale {scale!r} has no preset" in str(err.value) and "known scales: paper, tiny" in str(err.value)


# ---------------------------------------------------------------- case 8 (schema)
@pytest.mark.parametrize("timeout", [-1, 0])
def test_case8_judge_timeout_must_be_positive(user_config, timeout):
    """Case 8: judge.timeout_s <= 0 is rejected at validation."""
    assert "judge.timeout_s:" in _config_error(user_config, {"judge": {"timeout_s": timeout}})


# ---------------------------------------------------------------- case 2
def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"path": str(path)}


def _duplicate_id_specs(tmp_path):
    arena_q = [{"question_id": 7, "turns": [{"content": "вопрос"}]}, {"question_id": "7", "turns": [{"content": "x"}]}]
    answer = {"question_id": 7, "choices": [{"turns": [{"content": "ответ"}]}]}
    flores = [{"id": 1, "sentence_eng_Latn": "a", "sentence_rus_Cyrl": "а"}] * 2
    libra = [{"id": "q", "context": "c", "input": "i", "positive_outputs": ["o"], "length": "all"}] * 2
    return {
        "ru_arena_hard": {
            "questions": _jsonl(tmp_path / "q.jsonl", arena_q),
            "reference_answers": {"A": _jsonl(tmp_path / "a.jsonl", [answer])},
            "limit": 0,
        },
        "flores_en_ru": {"data": _jsonl(tmp_path / "f.jsonl", flores), "limit": 0},
        "ruqasper": {"data": _jsonl(tmp_path / "l.jsonl", libra), "lengths": {}, "limit": 0},
    }


@pytest.mark.parametrize("benchmark, item_id", [("ru_arena_hard", "7"), ("flores_en_ru", "1"), ("ruqasper", "q")])
def test_case2_duplicate_benchmark_item_ids_are_an_error(tmp_path, benchmark, item_id):
    """Case 2: two items with one id (answers are cached by id) stop preparation, naming benchmark, file and id."""
    from rualign import benchmarks as B
    from rualign.io import DataError

    spec = _duplicate_id_specs(tmp_path)[benchmark]
    with pytest.raises(DataError) as err:
        B.prepare(benchmark, spec, tmp_path, seed=1)
    message = str(err.value)
    assert benchmark in message and str(tmp_path) in message and f"'{item_id}'" in message, message


# ---------------------------------------------------------------- case 7 (benchmark file)
def test_case7_empty_benchmark_file_names_its_path(tmp_path):
    """Case 7: an empty benchmark data file is an error naming the file and the config key."""
    from rualign import benchmarks as B
    from rualign.io import DataError

    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        B.prepare("flores_ru_en", {"data": {"path": "empty.jsonl"}, "limit": 0}, tmp_path, seed=1)
    assert f"{tmp_path / 'empty.jsonl'}: empty file (benchmark flores_ru_en, data.path)" in str(err.value)


# ---------------------------------------------------------------- case 6
def test_case6_duplicated_rows_stay_on_one_side_of_the_split(tmp_path):
    """Case 6: identical training rows (other ids) never appear in both train and validation; same seed
    gives byte-identical files."""
    from rualign import training_data as D
    from rualign.io import dumps_line

    spec = {"source": {"path": "raw.jsonl"}, "kind": "chat", "fields": {"messages": "messages"}}
    raw = [
        {
            "messages": [
                {"role": "user", "content": f"Вопрос {i % 7}?"},
                {"role": "assistant", "content": f"Ответ {i % 7}"},
            ]
        }
        for i in range(40)
    ]
    (tmp_path / "raw.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in raw))
    rows, _ = D.normalise("ds", spec, tmp_path, "error")
    recipe = {"dataset": "ds", "validation_share": 0.2}
    outputs = []
    for seed in (1, 2, 3, 1):
        train, validation, _ = D.build_recipe(rows, recipe, spec, seed, lambda t: len(t.split()), str)
        assert validation and train
        assert not {D.content_key(r) for r in train} & {D.content_key(r) for r in validation}, seed
        assert len(train) + len(validation) == 40
        outputs.append("".join(map(dumps_line, train)) + "|" + "".join(map(dumps_line, validation)))
    assert outputs[0] == outputs[3]


def test_case6_split_without_duplicates_is_unchanged():
    """Case 6: with distinct rows the validation rows are still the first round(share x n) of the order."""
    from rualign import training_data as D

    rows = [{"id": f"ds:{i}", "messages": [{"role": "user", "content": str(i)}]} for i in range(20)]
    train, validation = D.split_validation(rows, 0.1)
    assert validation == rows[:2] and train == rows[2:]


# ---------------------------------------------------------------- case 7 (empty chosen)
def test_case7_empty_chosen_answer_stops_normalise(tmp_path):
    """Case 7: an empty chosen answer is a bad row (error naming file:line and field; counted with drop)."""
    from rualign import training_data as D
    from rualign.io import DataError

    spec = {
        "source": {"path": "p.jsonl"},
        "kind": "preference",
        "fields": {"prompt": "p", "chosen": "c", "rejected": "r"},
    }
    rows = [{"p": [{"role": "user", "content": "Q?"}], "c": "  ", "r": "нет"}]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    with pytest.raises(DataError) as err:
        D.normalise("ds", spec, tmp_path, "error")
    assert f"{tmp_path / 'p.jsonl'}:1: field 'c' has an empty chosen answer" in str(err.value)
    with pytest.raises(DataError, match="no usable rows"):
        D.normalise("ds", spec, tmp_path, "drop")


# ---------------------------------------------------------------- case 7 (audit)
@pytest.mark.parametrize("deleted", ["results/scores/gm60/ru_arena_hard.json", "results/data/gm60/train.jsonl"])
def test_case7_audit_of_a_deleted_file_reports_drift(tmp_path, monkeypatch, deleted):
    """Case 7: rualign audit after a file of the lineage was deleted exits 1 naming it (was: exit 2 file not found)."""
    import subprocess
    import sys

    from tests.synthetic_results import build

    monkeypatch.chdir(tmp_path)
    chain = build(tmp_path)
    (tmp_path / deleted).unlink()
    result = subprocess.run(
        [sys.executable, "-m", "rualign.cli", "audit", chain["table"], "--column", "gm60", "--metric", "judge_winrate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stderr
    assert f"{deleted}: missing" in result.stderr and "DRIFT" in result.stdout


# ---------------------------------------------------------------- case 7 (cache)
@pytest.mark.parametrize("line", ['{"answer": "x"}', "[1, 2]"])
def test_case7_cache_line_without_key_names_file_and_line(tmp_path, line):
    """Case 7: a cache line that is valid JSON without the key field is a DataError naming file:line."""
    from rualign.io import DataError, JsonlCache

    path = tmp_path / "cache.jsonl"
    path.write_text('{"id": "a", "answer": "y"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        JsonlCache(path)
    assert f"{path}:2: cache row has no 'id' field" in str(err.value)
    assert path.read_text(encoding="utf-8").endswith(line + "\n")  # nothing dropped from the cache


# ---------------------------------------------------------------- case 7 (models)
def test_case7_wrong_gguf_sha_names_the_models_key(tmp_path):
    """Case 7: a wrong GGUF sha256 names models.<name>.sha256 (was: base_model.sha256)."""
    from rualign.io import RualignError
    from rualign.modeling import materialize

    spec = yaml.safe_load((ROOT / "config/scales/tiny.yaml").read_text(encoding="utf-8"))["models"]
    with pytest.raises(RualignError) as err:
        materialize({**spec["smollm2-135m-instruct"], "sha256": "0" * 64}, tmp_path / "m", name="smollm2-135m-instruct")
    assert "(models.smollm2-135m-instruct.sha256)" in str(err.value) and "base_model.sha256" not in str(err.value)


def _model_folder(tmp_path):
    import torch
    from safetensors.torch import save_file

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    save_file({"w": torch.zeros(64, 64), "b": torch.ones(64)}, str(folder / "model.safetensors"))
    return folder, folder / "model.safetensors"


@pytest.mark.parametrize("damage", ["truncate", "header", "empty"])
def test_case7_corrupt_safetensors_names_the_file(tmp_path, damage):
    """Case 7: a truncated or corrupt safetensors file is an error naming the file and saying it is corrupt."""
    from rualign.io import RualignError
    from rualign.modeling import check_model_dir, load_model

    folder, weights = _model_folder(tmp_path)
    check_model_dir(folder)  # sound before the damage
    data = weights.read_bytes()
    weights.write_bytes(
        {"truncate": data[: len(data) // 2], "header": data[:8] + b"#" + data[9:], "empty": b""}[damage]
    )
    for load in (check_model_dir, load_model):
        with pytest.raises(RualignError) as err:
            load(folder)
        assert f"{weights}: corrupt safetensors file" in str(err.value)


# ---------------------------------------------------------------- case 8 (job start)
def test_case8_check_compute_names_the_key(monkeypatch):
    """Case 8: device cuda without CUDA, a bad device and backend vllm without vLLM fail at job start with
    one line naming the key."""
    import importlib.util

    import torch

    from rualign.io import RualignError
    from rualign.modeling import check_compute, load_model

    check_compute({"device": "cpu", "backend": "transformers"})
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RualignError, match=r"^compute\.device: cuda:1 but CUDA is not available on this machine"):
        check_compute({"device": "cuda:1", "backend": "transformers"})
    with pytest.raises(RualignError, match=r"^compute\.device: 'cpux' is not a device"):
        check_compute({"device": "cpux"})
    with pytest.raises(RualignError, match=r"^compute\.device: cuda but CUDA"):
        load_model("/nonexistent", device="cuda")  # before touching the folder
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "vllm" else real_find_spec(n, *a))
    with pytest.raises(RualignError, match=r"^compute\.backend: vllm is not installed"):
        check_compute({"device": "cpu", "backend": "vllm"})
    with pytest.raises(RualignError, match=r"^judge\.compute\.backend"):
        check_compute({"device": "cpu", "backend": "vllm"}, key="judge.compute")


def test_case4_duplicate_key_in_a_json_configfile(tmp_path):
    """Case 4: Snakemake also takes JSON configfiles; a repeated key there is an error too (tabs are fine)."""
    path = tmp_path / "c.json"
    path.write_text('{\n\t"overrides": {"seed": 1, "seed": 2}\n}\n', encoding="utf-8")
    with pytest.raises(C.ConfigError, match="duplicate key 'seed'"):
        C.check_files([path])
    path.write_text('{\n\t"overrides": {"seed": 1}\n}\n', encoding="utf-8")
    C.check_files([path, tmp_path / "absent.yaml"])


def test_case8_make_backend_checks_the_machine_before_loading(monkeypatch, tmp_path):
    """`backend: vllm` without vLLM fails at job start naming the key, before any model is read."""
    import importlib.util

    from rualign.generation import make_backend
    from rualign.io import RualignError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "vllm" else real(name, *a))
    with pytest.raises(RualignError, match=r"compute\.backend: vllm is not installed"):
        make_backend(tmp_path / "no-model", {"device": "cpu", "backend": "vllm", "dtype": "float32"})


def test_case7_selfgen_recipe_whose_generator_trains_on_it_names_the_key(user_config):
    """A self-generated recipe whose generator model is trained on it: a config error, not CyclicGraphException."""
    from rualign import config as C

    bad = copy.deepcopy(user_config)
    bad["experiments"]["looped"] = {
        "description": "SimPO on its own self-generated pairs",
        "parent": "gm100",
        "stage": {"type": "simpo", "data": "selfgen-t0.3-p0.9", "fraction": 100},
    }
    bad["data_recipes"]["selfgen-t0.3-p0.9"]["rejected_generator"]["experiment"] = "looped"
    with pytest.raises(C.ConfigError, match=r"data_recipes\.selfgen-t0\.3-p0\.9\.rejected_generator\.experiment"):
        C.resolve(bad)
    with pytest.raises(C.ConfigError, match=r"selfgen-t0\.3-p0\.9 -> looped -> selfgen-t0\.3-p0\.9"):
        C.resolve(bad)
