"""Training throughput of a LoRA SFT step on this machine, and its share of the fp32 matmul peak.

Prints: the machine's fp32 matmul FLOP/s (square matmuls, the best a step could reach), training
tokens/s for a few batch shapes, and the model FLOP utilisation 6 * N * tokens / time / peak
(N = all parameters; with LoRA the frozen weights get no weight gradients, so ~4 N is what a step
really computes: both figures are printed).

    python benchmarks/train_throughput.py --model-dir results/base_models/smollm2-135m-instruct
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from rualign import training as T
from rualign.cli_utils import setup

RUNTIME = {
    "bf16": False,
    "gradient_checkpointing": False,
    "load_in_4bit": False,
    "num_processes": 1,
    "save_steps": 10_000,
    "logging_steps": 1,
    "report_to": [],
    "keep_checkpoints": False,
    "merge_dtype": "float32",
}


def matmul_peak(size: int = 1024, repeats: int = 20) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def conversations(tokens: int, count: int) -> list[dict]:
    """Russian conversations of about `tokens` tokens (SmolLM2 needs ~5 tokens per Russian word)."""
    answer = " ".join(["Москва - столица России, крупный город на реке Москве."] * max(1, tokens // 60))
    return [
        {
            "id": f"b:{i}",
            "messages": [
                {"role": "user", "content": f"Расскажи о Москве ({i})."},
                {"role": "assistant", "content": answer},
            ],
        }
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=Path("results/base_models/smollm2-135m-instruct"))
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    setup(args.threads)
    from transformers import AutoConfig, AutoModelForCausalLM

    parameters = sum(
        p.numel() for p in AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(args.model_dir)).parameters()
    )
    peak = matmul_peak()
    print(f"model {args.model_dir.name}: {parameters / 1e6:.1f} M parameters; torch threads {torch.get_num_threads()}")
    print(f"fp32 matmul peak (1024^3): {peak / 1e9:.1f} GFLOP/s")
    print(f"{'batch x tokens':>15} {'tokens/s':>9} {'s/step':>7} {'MFU 6N':>7} {'MFU 4N':>7}")
    for batch, length in [(4, 64), (4, 256), (8, 256)]:
        hparams = {
            **RUNTIME,
            "learning_rate": 1e-4,
            "num_train_epochs": 1,
            "max_steps": args.steps,
            "per_device_train_batch_size": batch,
            "gradient_accumulation_steps": 1,
            "warmup_steps": 0,
            "lr_scheduler_type": "constant",
            "weight_decay": 0.0,
            "max_length": length,
            "packing": False,
        }
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            rows = conversations(length, batch * args.steps)
            (tmp / "t.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
            (tmp / "v.jsonl").write_text("")
            lora = {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"}
            summary = T.train(
                "bench", "sft", hparams, lora, args.model_dir, tmp / "t.jsonl", tmp / "v.jsonl", tmp / "a", tmp / "c", 1
            )
        rate = summary["tokens_seen"] / summary["train_wall_s"]
        step = summary["train_wall_s"] / summary["global_step"]
        print(
            f"{batch:>6} x {length:<6} {rate:>9.1f} {step:>7.2f} "
            f"{6 * parameters * rate / peak:>7.1%} {4 * parameters * rate / peak:>7.1%}"
        )


if __name__ == "__main__":
    main()
