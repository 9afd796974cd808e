"""Data-parallel training on CPU: `accelerate launch --num_processes 2` (gloo) of one SFT and one SimPO
stage on the embedded model, launched exactly as rules/train.smk does when training.runtime.num_processes
is 2. Only the main process writes the adapter (with summary, provenance, TensorBoard events); the
adapter loads and merges. `pytest -m multiprocess`: 80 s on 2 idle cores (SFT 20 s, SimPO 30 s, the
model materialised once), 4 minutes while other jobs share the cores."""

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from rualign.io import read_json
from rualign.training import write_recipe
from rualign.workflow import Workflow
from tests.unit.test_training import LORA, args_for, training_files

pytestmark = pytest.mark.multiprocess
ROOT = Path(__file__).resolve().parents[2]


def launcher(processes: int) -> list[str]:
    """The rule's launcher for `processes`, with accelerate run from this interpreter's environment."""
    config = {"training": {"runtime": {"num_processes": processes}}}
    words = Workflow.train_launcher(SimpleNamespace(config=config))
    assert words[:2] == ["accelerate", "launch"], words
    return [sys.executable, "-m", "accelerate.commands.launch", *words[2:]]


def tensorboard_scalars(runs: Path) -> list[tuple[int, str]]:
    """(step, tag) of every scalar in the TensorBoard event files under `runs` (TFRecord framing)."""
    import struct

    from tensorboardX.proto import event_pb2

    scalars = []
    for path in sorted(runs.rglob("events.out.tfevents*")):
        data, offset = path.read_bytes(), 0
        while offset < len(data):
            (length,) = struct.unpack("<Q", data[offset : offset + 8])
            event = event_pb2.Event()
            event.ParseFromString(data[offset + 12 : offset + 12 + length])
            offset += 12 + length + 4
            scalars += [(event.step, value.tag) for value in event.summary.value]
    return scalars


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    files = training_files(tmp_path_factory.mktemp("mp_data"))
    return {"sft": files["sft"], "simpo": files["pref"]}


def test_launcher_is_accelerate_only_above_one_process():
    config = {"training": {"runtime": {"num_processes": 1}}}
    assert Workflow.train_launcher(SimpleNamespace(config=config)) == ["python"]
    assert "--num_processes 2" in " ".join(launcher(2))


@pytest.mark.parametrize("stage", ["sft", "simpo"])
def test_two_processes_train_one_adapter(stage, tiny_model_dir, data, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from rualign.modeling import load_tokenizer
    from rualign.training import merge

    out, checkpoints = tmp_path / "adapters" / stage, tmp_path / "ckpt"
    args = args_for(stage, max_steps=2, num_processes=2, per_device_train_batch_size=2, gradient_accumulation_steps=2)
    recipe = tmp_path / f"mp-{stage}.yaml"
    write_recipe(
        {"experiment": f"mp-{stage}", "stage": stage, "seed": 1, "device": "cpu", "trust_remote_code": False}
        | {"args": args, "lora": LORA, "runtime": {}},
        recipe,
    )
    command = [
        *launcher(2), str(ROOT / "scripts/train.py"), "--recipe", str(recipe),
        "--parent-model", str(tiny_model_dir), "--train", str(data[stage][0]), "--validation", str(data[stage][1]),
        "--out", str(out), "--checkpoint-dir", str(checkpoints), "--threads", "2",
    ]  # fmt: skip
    started = time.time()
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
    wall = time.time() - started
    print(f"{stage}: 2-process training took {wall:.1f} s")
    assert run.returncode == 0, run.stderr[-4000:]
    log = run.stdout + run.stderr

    summary = read_json(out / "training_summary.json")
    assert summary["world_size"] == 2
    assert summary["per_device_train_batch_size"] == 2 and summary["gradient_accumulation_steps"] == 2
    assert summary["effective_batch"] == 2 * 2 * 2
    assert summary["global_step"] == 2 and summary["train_loss"] == summary["train_loss"]  # not NaN
    prov = read_json(out / "provenance.json")
    assert prov["summary"]["world_size"] == 2
    # one writer: a single adapter, a single TensorBoard event file, one "-> adapter" log line, no leftovers
    assert (out / "adapter_model.safetensors").is_file() and (out / "adapter_config.json").is_file()
    loss_steps = [step for step, tag in tensorboard_scalars(out / "runs") if tag == "train/loss"]
    assert sorted(loss_steps) == [1, 2]  # each step logged once: rank 1 wrote no events
    assert log.count(f"-> {out}") == 1
    assert sorted(p.name for p in out.parent.iterdir()) == [stage]
    assert not checkpoints.exists()

    merged = tmp_path / "merged"
    merge(f"mp-{stage}", "two-process test", tiny_model_dir, out, merged, "float32")
    tokenizer = load_tokenizer(tiny_model_dir)
    batch = tokenizer(["Столица Франции - Париж."], return_tensors="pt")
    with torch.no_grad():
        base = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
        base_logits = base(**batch).logits
        adapter_logits = PeftModel.from_pretrained(base, out).eval()(**batch).logits
        merged_logits = AutoModelForCausalLM.from_pretrained(merged).eval()(**batch).logits
    assert (merged_logits - adapter_logits).abs().max() < 1e-3
    assert (adapter_logits - base_logits).abs().max() > 0  # training moved the weights
