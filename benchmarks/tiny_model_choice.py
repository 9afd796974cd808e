"""Measure the candidate embedded tiny models on Russian prompts (how the default was chosen).

Prints, per model: load time, share of Cyrillic letters among the letters of its answers,
share of answers that merely echo the prompt, and greedy generation tokens/s one-by-one vs
batched. Usage: python benchmarks/tiny_model_choice.py [N_PROMPTS]
"""

from __future__ import annotations

import difflib
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

from rualign.generation import SamplingParams, TransformersBackend, render_chat
from rualign.io import read_jsonl
from rualign.modeling import materialize

ROOT = Path(__file__).resolve().parents[1]


def cyrillic_share(text: str) -> float:
    letters = re.findall(r"[^\W\d_]", text)
    return sum("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in letters) / max(len(letters), 1)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    questions = read_jsonl(ROOT / "data/arena_hard/ru_arena_general/question.jsonl")[:n]
    prompts_text = [q["turns"][0]["content"] for q in questions]
    candidates = yaml.safe_load((ROOT / "config/scales/tiny.yaml").read_text())["model_candidates"]
    params = SamplingParams(max_new_tokens=48)
    for name, spec in candidates.items():
        with tempfile.TemporaryDirectory() as tmp:
            start = time.time()
            materialize(spec, tmp)
            t_materialize = time.time() - start
            backend = TransformersBackend(tmp, batch_size=n)
            prompts = render_chat(backend.tokenizer, [[{"role": "user", "content": p}] for p in prompts_text])
            start = time.time()
            single = [backend.generate([p], params)[0] for p in prompts]
            t_single = time.time() - start
            start = time.time()
            batched = backend.generate(prompts, params)
            t_batched = time.time() - start
        answers = [r["output"] for r in batched]
        echo = sum(
            difflib.SequenceMatcher(None, a[: len(p) + 20], p).ratio() > 0.6
            for a, p in zip(answers, prompts_text, strict=True)
        )
        print(f"== {name}")
        print(f"materialise from GGUF: {t_materialize:.1f} s")
        print(f"cyrillic share of answer letters: {sum(map(cyrillic_share, answers)) / n:.3f}")
        print(f"answers echoing the prompt: {echo}/{n}")
        tokens_single = sum(r["n_tokens"] for r in single)
        tokens_batched = sum(r["n_tokens"] for r in batched)
        rate_single, rate_batched = tokens_single / t_single, tokens_batched / t_batched
        print(f"one-by-one: {rate_single:.1f} tokens/s; batched ({n}): {rate_batched:.1f} tokens/s")
        for p, a in list(zip(prompts_text, answers, strict=True))[:3]:
            print(f"  Q: {p[:80]!r}\n  A: {a[:160]!r}")


if __name__ == "__main__":
    main()
