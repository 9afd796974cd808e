"""LoRA training on the embedded model: loss masks, every stage, merge = adapter, resume after kill."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rualign import training as T
from rualign.io import RualignError, read_json
from rualign.training import write_recipe

ROOT = Path(__file__).resolve().parents[2]
LORA = {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear"}
RUNTIME = {
    "bf16": False,
    "gradient_checkpointing": False,
    "load_in_4bit": False,
    "num_processes": 1,
    "save_steps": 1,
    "logging_steps": 1,
    "report_to": ["tensorboard"],
    "keep_checkpoints": False,
    "merge_dtype": "float32",
}
HPARAMS = {
    "learning_rate": 1e-3,
    "num_train_epochs": 1,
    "max_steps": 2,
    "per_device_train_batch_size": 2,
    "gradient_accumulation_steps": 1,
    "warmup_steps": 0,
    "lr_scheduler_type": "constant",
    "weight_decay": 0.0,
    "max_length": 96,
    "max_prompt_length": None,
    "packing": False,
    "beta": None,
    "simpo_gamma": None,
    "cpo_alpha": None,
}
PAIRS = [
    ("Назови столицу Франции.", "Столица Франции - Париж.", "Лондон."),
    ("Сколько будет 3 + 4?", "3 + 4 = 7.", "Восемь."),
    ("Какого цвета небо днем?", "Днем ясное небо голубое.", "Зеленое."),
    ("Переведи слово cat.", "Cat по-русски - кошка.", "Собака."),
]


def args_for(stage: str, **extra):
    args = {**RUNTIME, **HPARAMS, **extra}
    if stage != "sft":
        args["max_prompt_length"] = 64
    if stage == "simpo":
        args.update(beta=2.0, simpo_gamma=1.0, cpo_alpha=0.2)
    return args


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def training_files(folder: Path) -> dict[str, tuple[Path, Path]]:
    """(train, validation) JSONL files of SFT conversations and preference pairs, from PAIRS."""
    sft = [
        {"id": f"s:{i}", "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": c}]}
        for i, (q, c, _) in enumerate(PAIRS * 3)
    ]
    pref = [
        {
            "id": f"p:{i}",
            "prompt": [{"role": "user", "content": q}],
            "chosen": [{"role": "assistant", "content": c}],
            "rejected": [{"role": "assistant", "content": r}],
        }
        for i, (q, c, r) in enumerate(PAIRS * 2)
    ]
    return {
        "sft": (write_jsonl(folder / "sft.jsonl", sft), write_jsonl(folder / "sft_val.jsonl", sft[:2])),
        "pref": (write_jsonl(folder / "pref.jsonl", pref), write_jsonl(folder / "pref_val.jsonl", pref[:2])),
    }


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return training_files(tmp_path_factory.mktemp("train_data"))


def test_loss_mask_covers_assistant_turns_and_their_end_token(tiny_model_dir):
    from rualign.modeling import load_tokenizer

    tokenizer = load_tokenizer(tiny_model_dir)
    messages = [
        {"role": "user", "content": "Привет!"},
        {"role": "assistant", "content": "Здравствуйте."},
        {"role": "user", "content": "Как дела?"},
        {"role": "assistant", "content": "Хорошо."},
    ]
    row = T.tokenize_sft(tokenizer, messages, 512)
    trained = tokenizer.decode([t for t, m in zip(row["input_ids"], row["assistant_masks"], strict=True) if m])
    assert trained.replace("\n", "") == "Здравствуйте.<|im_end|>Хорошо.<|im_end|>"
    assert len(T.tokenize_sft(tokenizer, messages, 10)["input_ids"]) == 10


@pytest.mark.parametrize(
    ("stage", "extra", "message"),
    [
        ("simpo", {"max_prompt_length": 96}, "must be below max_length"),
        ("sft", {"beta": 0.1}, "do not apply to a sft stage"),
        ("dpo", {"simpo_gamma": 0.5}, "do not apply to a dpo stage"),
        ("grpo", {}, "not one of"),
    ],
)
def test_inconsistent_args_are_caught_before_training(stage, extra, message):
    args = {**args_for(stage if stage != "grpo" else "sft"), **extra}
    with pytest.raises(RualignError, match=message):
        T.check_args(stage, args)


def test_qlora_without_cuda_says_so(tiny_model_dir, data, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA present: QLoRA would run")
    with pytest.raises(RualignError, match="needs a CUDA GPU"):
        T.train(
            "q",
            "sft",
            args_for("sft", load_in_4bit=True),
            LORA,
            tiny_model_dir,
            *data["sft"],
            tmp_path / "a",
            tmp_path / "c",
            1,
        )


def test_sft_adapter_then_merge_gives_the_same_logits(tiny_model_dir, data, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from rualign.modeling import load_tokenizer

    adapter, merged = tmp_path / "adapter", tmp_path / "merged"
    summary = T.train("sft1", "sft", args_for("sft"), LORA, tiny_model_dir, *data["sft"], adapter, tmp_path / "ckpt", 1)
    assert summary["global_step"] == 2 and summary["tokens_seen"] > 0 and "eval_loss" in summary["eval"]
    assert (adapter / "adapter_model.safetensors").is_file() and list((adapter / "runs").glob("events.out.tfevents*"))
    assert not (tmp_path / "ckpt").exists()  # removed after success (keep_checkpoints false)
    T.merge("sft1", "test", tiny_model_dir, adapter, merged, "float32")
    assert (
        "sft1" in (merged / "README.md").read_text() and read_json(merged / "provenance.json")["lineage"][-1] == "sft1"
    )

    tokenizer = load_tokenizer(tiny_model_dir)
    batch = tokenizer(["Столица Франции - Париж.", "Сколько будет 3 + 4?"], return_tensors="pt", padding=True)
    with torch.no_grad():
        base = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
        base_logits = base(**batch).logits
        with_adapter = PeftModel.from_pretrained(base, adapter).eval()(**batch).logits
        merged_logits = AutoModelForCausalLM.from_pretrained(merged).eval()(**batch).logits
    # fp32 merge: W + BA folded once vs applied per forward; differences are rounding (< 1e-3),
    # far below what training moved (> 1e-2)
    assert (merged_logits - with_adapter).abs().max() < 1e-3
    assert (with_adapter - base_logits).abs().max() > 1e-2


@pytest.mark.parametrize("stage", ["simpo", "dpo", "kto", "orpo"])
def test_preference_stage_trains_one_step(stage, tiny_model_dir, data, tmp_path):
    summary = T.train(
        f"{stage}1",
        stage,
        args_for(stage, max_steps=1),
        LORA,
        tiny_model_dir,
        *data["pref"],
        tmp_path / "a",
        tmp_path / "c",
        1,
    )
    assert summary["global_step"] == 1
    losses = [entry["loss"] for entry in summary["log_history"] if "loss" in entry]
    assert losses and all(loss == loss for loss in losses)  # not NaN


def test_rerun_after_kill_resumes_from_the_last_checkpoint(tiny_model_dir, data, tmp_path):
    adapter, checkpoints = tmp_path / "adapter", tmp_path / "ckpt"
    args = args_for("sft", max_steps=6)
    recipe = tmp_path / "resume.yaml"
    write_recipe(
        {"experiment": "resume", "stage": "sft", "seed": 1, "device": "cpu", "trust_remote_code": False}
        | {"args": args, "lora": LORA, "runtime": {}},
        recipe,
    )
    command = [
        sys.executable,
        str(ROOT / "scripts/train.py"), "--recipe", str(recipe),
        "--parent-model", str(tiny_model_dir), "--train", str(data["sft"][0]), "--validation", str(data["sft"][1]),
        "--out", str(adapter), "--checkpoint-dir", str(checkpoints), "--threads", "2",
    ]  # fmt: skip
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while not list(checkpoints.glob("checkpoint-2/trainer_state.json")):
        assert first.poll() is None, "training ended before it could be interrupted"
        assert time.time() < deadline, "no checkpoint within 5 minutes"
        time.sleep(0.5)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert not adapter.exists()  # a killed job leaves nothing that looks finished
    done = [int(p.name.split("-")[1]) for p in checkpoints.glob("checkpoint-*") if (p / "trainer_state.json").exists()]

    second = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    summary = read_json(adapter / "training_summary.json")
    assert summary["resumed_from"] == f"checkpoint-{max(done)}"
    assert summary["global_step"] == 6
    steps_logged_after_resume = [e["step"] for e in summary["log_history"] if "loss" in e]
    assert steps_logged_after_resume[-1] == 6 and max(done) >= 2


def test_lora_modules_to_save_is_opt_in():
    from rualign.training import lora_config

    lora = {"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": "all-linear"}
    assert not lora_config(lora).modules_to_save
    assert list(lora_config({**lora, "modules_to_save": ["lm_head"]}).modules_to_save) == ["lm_head"]


@pytest.mark.parametrize("stage", list(T.STAGES))
def test_every_registered_stage_builds_its_trl_config_and_trainer(stage, tmp_path):
    spec = T.STAGES[stage]
    args = {**args_for(stage), "beta": 0.5 if "beta" in spec.own_args else None}
    config = T.trainer_config(stage, args, tmp_path, seed=1, device="cpu")
    assert type(config).__name__ == spec.config_class.split(":")[1]
    assert T.trainer_class(stage).__name__ == spec.trainer_class.split(":")[1]
    assert all(getattr(config, key) == value for key, value in spec.fixed.items())
    if spec.completion_length:
        assert config.max_completion_length == args["max_length"] - args["max_prompt_length"]
    if "beta" in spec.own_args:
        assert config.beta == 0.5


def test_the_schema_offers_exactly_the_registered_stage_types():
    from rualign.config import load_schema

    stage = load_schema()["properties"]["experiments"]["additionalProperties"]["properties"]["stage"]
    assert set(stage["properties"]["type"]["enum"]) == set(T.STAGES)
    assert set(load_schema()["properties"]["training"]["properties"]["stages"]["properties"]) == set(T.STAGES)


def test_adapter_config_lists_target_modules_sorted(tmp_path):
    """peft writes them from a set (hash order differs between processes); sorted, reruns are byte-identical."""
    config = tmp_path / "adapter_config.json"
    config.write_text(json.dumps({"r": 4, "target_modules": ["v_proj", "down_proj", "q_proj"]}, indent=2))
    T.sort_target_modules(config)
    assert json.loads(config.read_text())["target_modules"] == ["down_proj", "q_proj", "v_proj"]
    config.write_text(json.dumps({"r": 4, "target_modules": "all-linear"}))
    T.sort_target_modules(config)
    assert json.loads(config.read_text())["target_modules"] == "all-linear"
