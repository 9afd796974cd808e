"""Training stages: LoRA SFT (trl SFTTrainer) and preference optimisation (SimPO through trl's CPO
trainer, DPO, KTO, ORPO), resumable from checkpoints; merging an adapter into its parent model.

One function per step so the CLIs stay thin:
- `train(...)`  parent model folder + train/validation JSONL -> adapter folder (safetensors) with
  the training summary and provenance; checkpoints go to a separate folder and a rerun after an
  interrupted job resumes from the last one (when the run's signature is unchanged).
- `merge(...)`  parent model folder + adapter -> merged model folder + model card with lineage.

SFT loss is on assistant tokens only: each conversation is rendered with the model's chat template
and the tokens whose characters lie inside an assistant turn (its end-of-turn token included, so
the model learns to stop) are the labels; everything else is -100.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rualign.config import load_schema
from rualign.io import RualignError, atomic_path, read_json, read_jsonl, sha256_path, write_json_atomic
from rualign.provenance import Provenance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    """How a stage type (config experiments.<name>.stage.type) maps onto trl."""

    config_class: str  # "module:Class" of its trl config
    trainer_class: str  # "module:Class" of its trl trainer
    own_args: tuple[str, ...] = ()  # hyperparameters only this stage takes (passed when not null)
    fixed: dict[str, Any] = field(default_factory=dict)  # trl settings that make the stage what it is
    preference: bool = True  # trained on preference pairs (else on chat conversations)
    unpaired: bool = False  # trl wants each pair as two labelled rows (prompt, completion, label)
    completion_length: bool = False  # trl wants max_completion_length = max_length - max_prompt_length


STAGES: dict[str, Stage] = {
    # SFT: loss masks come with the tokenised rows; packing keeps them (trl packs input_ids + labels)
    "sft": Stage("trl:SFTConfig", "trl:SFTTrainer", ("packing",), preference=False),
    "simpo": Stage(
        "trl.experimental.cpo:CPOConfig",
        "trl.experimental.cpo:CPOTrainer",
        ("beta", "simpo_gamma", "cpo_alpha"),
        fixed={"loss_type": "simpo"},
        completion_length=True,
    ),
    "dpo": Stage("trl:DPOConfig", "trl:DPOTrainer", ("beta",)),
    "kto": Stage("trl:KTOConfig", "trl:KTOTrainer", ("beta",), unpaired=True),
    "orpo": Stage(
        "trl.experimental.orpo:ORPOConfig", "trl.experimental.orpo:ORPOTrainer", ("beta",), completion_length=True
    ),
}
PREFERENCE_STAGES = tuple(name for name, stage in STAGES.items() if stage.preference)
# Our hyperparameters that map one-to-one onto trl/transformers config fields: the schema's stage
# hyperparameters but the LoRA ones, the stage-specific ones and max_prompt_length (ours: a filter).
LORA_KEYS = {"lora_r": "r", "lora_alpha": "alpha", "lora_dropout": "dropout"}
TRAINER_KEYS = tuple(
    name
    for name in load_schema()["$defs"]["stage_hparam_names"]["enum"]
    if name not in LORA_KEYS
    and name != "max_prompt_length"
    and not any(name in stage.own_args for stage in STAGES.values())
)


# ---------------------------------------------------------------- data
def assistant_char_spans(tokenizer, messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character spans of its assistant turns.

    Each span runs from the end of the rendered prefix (with the generation prompt) to the end of
    the rendered conversation up to and including that turn, so it covers the answer and the
    template's end-of-turn marker. Templates whose renderings are not prefix-stable are rejected.
    """
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True)
        through = tokenizer.apply_chat_template(messages[: i + 1], tokenize=False)
        if not (text.startswith(through) and through.startswith(before)):
            raise RualignError(
                "the chat template does not render conversations prefix-stably; "
                "give training.chat_template a template that does"
            )
        spans.append((len(before), len(through)))
    return text, spans


def tokenize_sft(tokenizer, messages: list[dict[str, str]], max_length: int) -> dict[str, list[int]]:
    """input_ids and assistant_masks (1 = loss on this token) of one conversation, cut to max_length."""
    text, spans = assistant_char_spans(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = [
        int(any(start < end_ and end > start_ for start_, end_ in spans)) for start, end in encoded["offset_mapping"]
    ]
    return {"input_ids": encoded["input_ids"][:max_length], "assistant_masks": mask[:max_length]}


def preference_rows(rows: list[dict], stage: str, tokenizer, max_prompt_length: int) -> tuple[list[dict], int]:
    """Conversational rows for trl (pairs; KTO: unpaired with labels) and the number of pairs whose
    prompt is longer than max_prompt_length (dropped: trl would leave them no completion tokens)."""
    kept, too_long = [], 0
    for row in rows:
        prompt_text = tokenizer.apply_chat_template(row["prompt"], tokenize=False, add_generation_prompt=True)
        if len(tokenizer(prompt_text, add_special_tokens=False)["input_ids"]) > max_prompt_length:
            too_long += 1
            continue
        if STAGES[stage].unpaired:
            kept.append({"prompt": row["prompt"], "completion": row["chosen"], "label": True})
            kept.append({"prompt": row["prompt"], "completion": row["rejected"], "label": False})
        else:
            kept.append({"prompt": row["prompt"], "chosen": row["chosen"], "rejected": row["rejected"]})
    return kept, too_long


def epoch_tokens(rows: list[dict], tokenizer, epochs: float) -> int:
    """Tokens a preference trainer processed (trl's CPO/ORPO/KTO do not count them): every pair's
    prompt + chosen and prompt + rejected (KTO: prompt + completion), times the epochs done."""

    def length(messages: list[dict]) -> int:
        return len(tokenizer(tokenizer.apply_chat_template(messages, tokenize=False))["input_ids"])

    per_epoch = sum(
        length(r["prompt"] + r["completion"])
        if "completion" in r
        else length(r["prompt"] + r["chosen"]) + length(r["prompt"] + r["rejected"])
        for r in rows
    )
    return round(per_epoch * (epochs or 0))


# ---------------------------------------------------------------- configuration


def stage_args(config: dict[str, Any], experiment: str) -> dict[str, Any]:
    """Hyperparameters of an experiment's stage: its stage type's block, its own overrides (LoRA ones apart)."""
    stage = config["experiments"][experiment]["stage"]
    merged = {**config["training"]["stages"].get(stage["type"], {}), **stage["args"]}
    return {k: v for k, v in merged.items() if k not in LORA_KEYS}


# training.runtime settings of other steps: the merged model's dtype and the launcher's process count.
NOT_TRAINER_RUNTIME = ("merge_dtype", "num_processes")


def trainer_runtime(config: dict[str, Any]) -> dict[str, Any]:
    """training.runtime as the trainer uses it: precision, checkpointing, logging, QLoRA."""
    return {k: v for k, v in config["training"]["runtime"].items() if k not in NOT_TRAINER_RUNTIME}


def stage_lora(config: dict[str, Any], experiment: str) -> dict[str, Any]:
    """LoRA settings of an experiment: training.lora with the stage's lora_* values over it."""
    stage = config["experiments"][experiment]["stage"]
    merged = {**config["training"]["stages"].get(stage["type"], {}), **stage["args"]}
    return {**config["training"]["lora"], **{LORA_KEYS[k]: merged[k] for k in LORA_KEYS if merged.get(k) is not None}}


RECIPE_KEYS = {
    "experiment": str,
    "stage": str,
    "seed": int,
    "device": str,
    "trust_remote_code": bool,
    "args": dict,  # the stage's hyperparameters (stage_args)
    "lora": dict,
    "runtime": dict,  # trainer_runtime
}


def write_recipe(recipe: dict[str, Any], out: Path) -> None:
    """A training recipe (`Workflow.training_recipe`) as plain YAML, keys in RECIPE_KEYS order."""
    import yaml

    from rualign.io import write_text_atomic

    ordered = {key: recipe[key] for key in RECIPE_KEYS}
    write_text_atomic(out, yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, default_flow_style=False))


def read_recipe(path: Path) -> dict[str, Any]:
    """A training recipe YAML; a missing, unknown or mistyped key is one error naming the file and key."""
    from rualign.config import read_yaml

    recipe = read_yaml(path)
    if not isinstance(recipe, dict):
        raise RualignError(f"{path}: expected a mapping with keys {', '.join(RECIPE_KEYS)}")
    unknown = sorted(set(recipe) - set(RECIPE_KEYS))
    if unknown:
        raise RualignError(f"{path}: unknown key(s) {', '.join(unknown)} (expected {', '.join(RECIPE_KEYS)})")
    for key, kind in RECIPE_KEYS.items():
        if not isinstance(recipe.get(key), kind):
            raise RualignError(f"{path}: {key} must be a {kind.__name__}, got {recipe.get(key)!r}")
    return recipe


def check_args(stage: str, args: dict[str, Any]) -> None:
    """Errors trl would turn into NaN losses or obscure tracebacks, caught up front."""
    if stage not in STAGES:
        raise RualignError(f"stage type '{stage}' is not one of {', '.join(STAGES)}")
    stage_specific = {key for spec in STAGES.values() for key in spec.own_args}
    misplaced = sorted(k for k in stage_specific - set(STAGES[stage].own_args) if args.get(k) not in (None, False))
    if misplaced:
        raise RualignError(f"training args {misplaced} do not apply to a {stage} stage")
    if stage in PREFERENCE_STAGES:
        if args.get("max_prompt_length") is None:
            raise RualignError(f"a {stage} stage needs max_prompt_length (training.stages.{stage})")
        if args["max_prompt_length"] >= args["max_length"]:
            raise RualignError(
                f"max_prompt_length ({args['max_prompt_length']}) must be below max_length ({args['max_length']}): "
                "otherwise prompts leave no room for the answers and trl's losses become NaN"
            )


def checkpointing_field() -> str:
    """The TrainingArguments field of gradient checkpointing: transformers renamed
    gradient_checkpointing to activation_checkpointing after 5.19 (the pin vLLM 0.32.0 allows)."""
    import dataclasses

    from transformers import TrainingArguments

    names = {f.name for f in dataclasses.fields(TrainingArguments)}
    return "activation_checkpointing" if "activation_checkpointing" in names else "gradient_checkpointing"


def trainer_config(stage: str, args: dict[str, Any], output_dir: Path, seed: int, device: str):
    """The trl config object of a stage from our flat, validated args."""
    common = {k: args[k] for k in TRAINER_KEYS if args.get(k) is not None}
    common.update(
        output_dir=str(output_dir),
        seed=seed,
        data_seed=seed,
        bf16=bool(args["bf16"]),
        **{checkpointing_field(): bool(args["gradient_checkpointing"])},
        save_strategy="steps",
        save_steps=args["save_steps"],
        save_total_limit=2,
        logging_steps=args["logging_steps"],
        report_to=args["report_to"],
        use_cpu=device == "cpu",
        include_num_input_tokens_seen="non_padding",  # real tokens, for tokens/s and FLOP figures
        disable_tqdm=False,
        remove_unused_columns=False,
    )
    spec = STAGES[stage]
    common.update({k: args[k] for k in spec.own_args if args.get(k) is not None}, **spec.fixed)
    if spec.completion_length:
        common["max_completion_length"] = args["max_length"] - args["max_prompt_length"]
    return _import(spec.config_class)(**common)


def trainer_class(stage: str):
    return _import(STAGES[stage].trainer_class)


def _import(qualified: str):
    """The object named "module:name" (trl classes are imported only when a stage needs them)."""
    import importlib

    module, _, name = qualified.partition(":")
    return getattr(importlib.import_module(module), name)


def lora_config(lora: dict[str, Any]):
    """peft LoraConfig. `modules_to_save` (e.g. [lm_head], the thesis's LoRA config) trains a full
    copy of those modules beside the adapters; [] (default, ours) trains adapters only."""
    from peft import LoraConfig

    targets = lora["target_modules"]
    return LoraConfig(
        task_type="CAUSAL_LM",
        r=lora["r"],
        lora_alpha=lora["alpha"],
        lora_dropout=lora["dropout"],
        target_modules=targets if targets == "all-linear" else list(targets),
        modules_to_save=list(lora.get("modules_to_save") or []) or None,
    )


def load_for_training(model_dir: Path, args: dict[str, Any], device: str, trust_remote_code: bool):
    import torch
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {"trust_remote_code": trust_remote_code, "use_safetensors": True}
    kwargs["dtype"] = torch.bfloat16 if args["bf16"] else torch.float32
    if args["load_in_4bit"]:  # QLoRA
        if not torch.cuda.is_available():
            raise RualignError("load_in_4bit (QLoRA) needs a CUDA GPU and bitsandbytes; this machine has no CUDA")
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    model = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    if args["load_in_4bit"]:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=args["gradient_checkpointing"])
    return model


# ---------------------------------------------------------------- resume
def run_signature(stage: str, args: dict[str, Any], lora: dict[str, Any], inputs: dict[str, Path], seed: int) -> str:
    """What must be unchanged for a checkpoint to be resumed: inputs (hashed), args, seed."""
    key = {
        "stage": stage,
        "args": args,
        "lora": lora,
        "seed": seed,
        "inputs": {name: sha256_path(path) for name, path in sorted(inputs.items())},
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def last_checkpoint(checkpoint_dir: Path, signature: str) -> Path | None:
    """The newest checkpoint of the same run, or None (a different run's checkpoints are removed)."""
    marker = checkpoint_dir / "run_signature.txt"
    if checkpoint_dir.exists() and (not marker.is_file() or marker.read_text().strip() != signature):
        log.info("checkpoints in %s belong to another run configuration: starting over", checkpoint_dir)
        shutil.rmtree(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(signature + "\n")
    return _latest_checkpoint(checkpoint_dir)


def _latest_checkpoint(checkpoint_dir: Path) -> Path | None:
    done = [p for p in checkpoint_dir.glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
    return max(done, key=lambda p: int(p.name.split("-")[1]), default=None)


def trainer_rows(
    stage: str, args: dict[str, Any], tokenizer, train_rows: list[dict], val_rows: list[dict]
) -> tuple[list[dict], list[dict], int]:
    """(train, validation, pairs dropped) as the stage's trl trainer takes them: tokenised conversations with
    loss masks (SFT) or conversational pairs without over-long prompts (preference stages)."""
    if not STAGES[stage].preference:
        train_data = [tokenize_sft(tokenizer, r["messages"], args["max_length"]) for r in train_rows]
        return train_data, [tokenize_sft(tokenizer, r["messages"], args["max_length"]) for r in val_rows], 0
    train_data, dropped = preference_rows(train_rows, stage, tokenizer, args["max_prompt_length"])
    val_data, _ = preference_rows(val_rows, stage, tokenizer, args["max_prompt_length"])
    if dropped:
        log.warning("%d pair(s) dropped: prompt longer than max_prompt_length=%d", dropped, args["max_prompt_length"])
    return train_data, val_data, dropped


# ---------------------------------------------------------------- steps
def train(
    experiment: str,
    stage: str,
    args: dict[str, Any],
    lora: dict[str, Any],
    parent_dir: Path,
    train_path: Path,
    validation_path: Path,
    out: Path,
    checkpoint_dir: Path,
    seed: int,
    device: str = "cpu",
    trust_remote_code: bool = False,
) -> dict[str, Any]:
    """Train one LoRA stage; write the adapter folder atomically. Returns the training summary."""
    from datasets import Dataset
    from transformers import set_seed

    from rualign.modeling import check_model_dir, load_tokenizer

    check_args(stage, args)
    check_model_dir(parent_dir)
    inputs = {"parent_model": parent_dir, "train": train_path, "validation": validation_path}
    prov = Provenance(
        f"train:{stage}", inputs=inputs, config={"experiment": experiment, "args": args, "lora": lora}, seed=seed
    )
    set_seed(seed)
    tokenizer = load_tokenizer(parent_dir, padding_side="right", trust_remote_code=trust_remote_code)
    train_rows, val_rows = read_jsonl(train_path), read_jsonl(validation_path)
    train_data, val_data, dropped = trainer_rows(stage, args, tokenizer, train_rows, val_rows)
    if not train_data:
        raise RualignError(f"{train_path}: no training rows left (max_prompt_length {args.get('max_prompt_length')})")

    from accelerate import PartialState

    # Under `accelerate launch` every process (one per GPU; on CPU, gloo) runs this function: the main
    # one prepares the checkpoint folder and writes the outputs; all of them train and evaluate.
    # cpu=True on CPU: with WORLD_SIZE > 1 accelerate then sets up MULTI_CPU over gloo (the trainer's
    # use_cpu=True asks the same of this shared state).
    processes = PartialState(cpu=device == "cpu")
    signature = run_signature(stage, args, lora, inputs, seed)
    with processes.main_process_first():  # the main process clears checkpoints of another run first
        resume = last_checkpoint(checkpoint_dir, signature) if processes.is_main_process else None
    if not processes.is_main_process:
        resume = _latest_checkpoint(checkpoint_dir)
    if resume:
        log.info("resuming from %s", resume)
    model = load_for_training(parent_dir, args, device, trust_remote_code)
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(checkpoint_dir / "runs")  # read by transformers' callback
    trainer = trainer_class(stage)(
        model=model,
        args=trainer_config(stage, args, checkpoint_dir, seed, device),
        train_dataset=Dataset.from_list(train_data),
        eval_dataset=Dataset.from_list(val_data) if val_data else None,
        processing_class=tokenizer,
        peft_config=lora_config(lora),
    )
    started = time.time()
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    wall = time.time() - started
    summary = training_summary(experiment, stage, trainer, result, wall, processes.num_processes, tokenizer, train_data)
    summary.update(resumed_from=resume.name if resume else None, train_rows=len(train_rows))
    summary["pairs_dropped_prompt_too_long"] = dropped
    if val_data:
        summary["eval"] = trainer.evaluate()
    if not processes.is_main_process:
        return summary
    save_adapter(trainer, tokenizer, summary, prov, checkpoint_dir / "runs", out)
    if not args["keep_checkpoints"]:
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
    log.info(
        "%s: %d steps, loss %.4f, %.1f tokens/s -> %s",
        experiment,
        summary["global_step"],
        result.training_loss,
        summary["tokens_per_s"] or 0,
        out,
    )
    return summary


def training_summary(
    experiment: str, stage: str, trainer, result, wall: float, world_size: int, tokenizer, train_data: list[dict]
) -> dict[str, Any]:
    """Steps, losses, tokens/s and batch sizes of a finished trainer.train()."""
    state, targs = trainer.state, trainer.args
    tokens = int(state.num_input_tokens_seen or 0) or epoch_tokens(train_data, tokenizer, state.epoch)
    return {
        "experiment": experiment,
        "stage": stage,
        "global_step": state.global_step,
        "train_loss": result.training_loss,
        "tokens_seen": tokens,
        "train_wall_s": round(wall, 2),
        "log_history": state.log_history,
        "tokens_per_s": round(tokens / wall, 1) if wall > 0 else None,
        # Data parallel: every process takes per_device rows per micro-step; tokens_seen is summed over them.
        "world_size": world_size,
        "per_device_train_batch_size": targs.per_device_train_batch_size,
        "gradient_accumulation_steps": targs.gradient_accumulation_steps,
        "effective_batch": targs.per_device_train_batch_size * targs.gradient_accumulation_steps * world_size,
    }


def sort_target_modules(adapter_config: Path) -> None:
    """peft writes target_modules from a set, in the order of that process's string hashes: sorted, two
    trainings of one config write the same adapter_config.json (same format as peft's: indent 2, sorted keys)."""
    config = json.loads(adapter_config.read_text(encoding="utf-8"))
    if isinstance(config.get("target_modules"), list):
        config["target_modules"] = sorted(config["target_modules"])
        adapter_config.write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")


def save_adapter(trainer, tokenizer, summary: dict[str, Any], prov: Provenance, runs: Path, out: Path) -> None:
    """The adapter folder, written atomically: adapter (safetensors), tokenizer, TensorBoard `runs/`, the
    training summary and provenance."""
    with atomic_path(out) as tmp:
        trainer.model.save_pretrained(tmp, safe_serialization=True)
        sort_target_modules(tmp / "adapter_config.json")
        tokenizer.save_pretrained(tmp)
        if runs.is_dir():  # TensorBoard event files travel with the adapter
            shutil.copytree(runs, tmp / "runs")
        write_json_atomic(tmp / "training_summary.json", summary)
        write_json_atomic(
            tmp / "provenance.json", prov.block(summary={k: v for k, v in summary.items() if k != "log_history"})
        )


MODEL_CARD = """---
library_name: transformers
base_model: {base}
tags: [rualign, lora, {stage}]
---
# {experiment}

{description}

Produced by rualign: LoRA {stage} on top of `{parent}`, merged into full weights.

| lineage | |
|---|---|
{lineage}

Training: {steps} steps, train loss {loss}, {rows} training rows (`{train}`, sha256 `{train_sha}`).
Adapter: `{adapter}` (sha256 `{adapter_sha}`). Full provenance: `provenance.json` in this folder.
"""


def lineage(model_dir: Path) -> list[str]:
    """Model ids from the base model to this one, read from the provenance of each folder."""
    chain = []
    current: Path | None = model_dir
    while current is not None:
        prov_file = current / "provenance.json"
        prov = read_json(prov_file) if prov_file.is_file() else {}
        chain.append(prov.get("experiment") or current.name)
        parent = prov.get("parent_model")
        current = Path(parent) if parent else None
    return list(reversed(chain))


def merge(
    experiment: str,
    description: str,
    parent_dir: Path,
    adapter_dir: Path,
    out: Path,
    dtype: str,
    trust_remote_code: bool = False,
) -> None:
    """Merge a LoRA adapter into its parent; write weights, tokenizer, model card and provenance."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from rualign.modeling import check_model_dir, load_tokenizer

    check_model_dir(parent_dir)
    if not (adapter_dir / "adapter_config.json").is_file():
        raise RualignError(f"{adapter_dir}: not an adapter folder (no adapter_config.json)")
    prov = Provenance("merge", inputs={"parent_model": parent_dir, "adapter": adapter_dir}, config={"dtype": dtype})
    base = AutoModelForCausalLM.from_pretrained(
        parent_dir, dtype=getattr(torch, dtype), use_safetensors=True, trust_remote_code=trust_remote_code
    )
    merged = PeftModel.from_pretrained(base, adapter_dir).merge_and_unload()
    tokenizer = load_tokenizer(parent_dir, trust_remote_code=trust_remote_code)
    summary = read_json(adapter_dir / "training_summary.json")
    adapter_prov = read_json(adapter_dir / "provenance.json")
    train_input = adapter_prov["inputs"]["train"]
    chain = [*lineage(parent_dir), experiment]
    with atomic_path(out) as tmp:
        merged.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        card = MODEL_CARD.format(
            base=chain[0],
            stage=summary["stage"],
            experiment=experiment,
            description=description or "",
            parent=chain[-2],
            lineage="\n".join(f"| {i} | `{name}` |" for i, name in enumerate(chain)),
            steps=summary["global_step"],
            loss=f"{summary['train_loss']:.4f}",
            rows=summary["train_rows"],
            train=train_input["path"],
            train_sha=train_input["sha256"],
            adapter=adapter_dir,
            adapter_sha=sha256_path(adapter_dir),
        )
        (tmp / "README.md").write_text(card, encoding="utf-8")
        write_json_atomic(
            tmp / "provenance.json",
            prov.block(experiment=experiment, parent_model=str(parent_dir), lineage=chain),
        )
