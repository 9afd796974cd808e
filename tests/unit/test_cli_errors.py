"""Bad input through the CLIs: one clear message naming file/field, exit 2, no finished-looking output."""

import json
import subprocess
import sys

from rualign.benchmarks import generative_benchmarks
from tests.workflow_helpers import ROOT


def run_script(name, *args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def overlay(tmp_path, overrides):
    """A config file over config.yaml (the CLIs take --configfile as Snakemake's --configfiles)."""
    path = tmp_path / "overlay.yaml"
    path.write_text(json.dumps({"overrides": overrides}), encoding="utf-8")  # JSON is YAML
    return ("--configfile", ROOT / "config.yaml", "--configfile", path)


def test_benchmark_jsonl_with_broken_line(tmp_path):
    data = tmp_path / "flores.jsonl"
    data.write_text(
        '{"id": 1, "sentence_eng_Latn": "a", "sentence_rus_Cyrl": "б"}\n{"id": 2, "sentence_eng\n', encoding="utf-8"
    )
    out = tmp_path / "out" / "flores_en_ru.jsonl"
    config = overlay(tmp_path, {"benchmarks": {"flores_en_ru": {"data": {"path": str(data)}, "limit": 0}}})
    result = run_script("prepare_benchmark.py", "--benchmark", "flores_en_ru", *config, "--out", out)
    assert result.returncode == 2
    assert f"error: {data}:2: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not out.with_name("flores_en_ru.provenance.json").exists()


def test_benchmark_row_missing_field(tmp_path):
    data = tmp_path / "mmlu.jsonl"
    data.write_text('{"question": "q", "choice0": "a", "choice1": "b", "choice2": "c", "answer": 1}\n')
    config = overlay(tmp_path, {"benchmarks": {"enmmlu": {"data": {"path": str(data)}, "limit": 0}}})
    result = run_script("prepare_benchmark.py", "--benchmark", "enmmlu", *config, "--out", tmp_path / "enmmlu.jsonl")
    assert result.returncode == 2
    assert "mmlu data row 1: missing field 'choice3'" in result.stderr


def test_generation_with_model_folder_without_weights(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "1", "source": "Hello", "reference": "Привет"}\n')
    out = tmp_path / "gen.jsonl"
    result = run_script(
        "generate.py",
        *("--benchmark", "flores_en_ru", "--items", items, "--model-dir", model, "--out", out),
        *("--cache-dir", tmp_path / "cache"),
    )
    assert result.returncode == 2
    assert f"error: model folder {model} has no weights (*.safetensors)" in result.stderr
    assert not out.exists()


def test_evaluation_with_model_folder_without_weights(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    for benchmark in generative_benchmarks():
        (tmp_path / f"{benchmark}.jsonl").write_text('{"id": "1", "prompt": "Привет"}\n')
    result = run_script(
        "evaluate_model.py",
        *("--experiment", "baseline", "--model-dir", model, "--items-dir", tmp_path),
        *("--answers-dir", tmp_path / "answers", "--scores-dir", tmp_path / "scores", "--cache-dir", tmp_path / "c"),
    )
    assert result.returncode == 2
    assert f"error: model folder {model} has no weights (*.safetensors)" in result.stderr
    assert not (tmp_path / "answers").exists() and not (tmp_path / "scores").exists()
