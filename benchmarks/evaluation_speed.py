"""Evaluation speed on this machine: the tiny model's prefill and decode rates against a measured roofline,
and where a finished run's time went, per rule.

    python benchmarks/evaluation_speed.py --model-dir results/base_models/smollm2-135m-instruct  # 1 and 2 threads
    python benchmarks/evaluation_speed.py --snakemake-log .snakemake/log/<run>.snakemake.log

Roofline: the fp32 matmul peak (square 2048 matmuls) bounds prefill at peak / (2 N) prompt tokens/s (N =
parameters outside the embedding, which a token only looks up; the lm_head runs once per prompt); the
memory bandwidth (a 1 GiB copy) bounds a decode step, which reads every weight once, at bandwidth /
weight bytes steps/s, whatever the batch (up to where compute takes over).
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import torch
from train_throughput import matmul_peak  # benchmarks/ is on sys.path when a script here runs


def copy_gbs(gib: float = 1.0, repeats: int = 5) -> float:
    src = torch.empty(int(gib * 2**30 / 4))
    dst = torch.empty_like(src)
    dst.copy_(src)
    start = time.perf_counter()
    for _ in range(repeats):
        dst.copy_(src)
    return repeats * 2 * src.numel() * 4 / (time.perf_counter() - start) / 1e9  # read + write


def model_rates(model_dir: Path, peak: float, bandwidth: float) -> None:
    from rualign.modeling import load_model

    model = load_model(model_dir, dtype="float32", device="cpu")
    params = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    tied = model.get_output_embeddings().weight is model.get_input_embeddings().weight
    per_token = 2 * (params - embedding)  # FLOPs of a prompt token (the lm_head runs once per prompt)
    weight_bytes = 4 * (params if tied else params - embedding)  # what one decode step reads
    print(f"model: {params / 1e6:.1f} M parameters ({embedding / 1e6:.1f} M embedding), fp32")
    print(f"{'prompt tokens':>14} {'tokens/s':>9} {'bound':>7} {'share':>6}")
    bound = peak * 1e9 / per_token
    with torch.inference_mode():
        for length in (256, 1024, 2048):
            ids = torch.randint(100, 10_000, (1, length))
            model(ids, logits_to_keep=1)
            start = time.perf_counter()
            model(ids, logits_to_keep=1)
            rate = length / (time.perf_counter() - start)
            print(f"{length:>14} {rate:9.0f} {bound:7.0f} {rate / bound:6.0%}")
        print(f"\n{'decode batch':>14} {'ms/step':>8} {'tokens/s':>9} {'bound':>7} {'share':>6}")
        for batch in (1, 4, 8, 32):
            ids = torch.randint(100, 10_000, (batch, 128))
            cache = model(ids, use_cache=True).past_key_values
            step = ids[:, -1:]
            steps = 16
            start = time.perf_counter()
            for _ in range(steps):
                out = model(step, past_key_values=cache, use_cache=True, logits_to_keep=1)
                cache = out.past_key_values
            seconds = (time.perf_counter() - start) / steps
            decode_bound = batch * min(bandwidth * 1e9 / weight_bytes, peak * 1e9 / (batch * per_token))
            rate = batch / seconds
            print(f"{batch:>14} {seconds * 1000:8.1f} {rate:9.0f} {decode_bound:7.0f} {rate / decode_bound:6.0%}")


_STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


def rule_shares(log: Path) -> None:
    """Per-rule sums of job wall time (start to 'Finished jobid') from a Snakemake log."""
    started: dict[str, tuple[str, datetime]] = {}
    spent: dict[str, list[float]] = defaultdict(list)
    stamp = first = last = None
    rule = None
    for line in log.read_text(errors="replace").splitlines():
        found = _STAMP.match(line)
        if found:
            stamp = datetime.strptime(found.group(1), "%a %b %d %H:%M:%S %Y")
            first, last = first or stamp, stamp
            continue
        head = re.match(r"^(?:local)?rule (\w+):", line)
        if head:
            rule = head.group(1)
        job = re.match(r"^\s+jobid: (\d+)", line)
        if job and rule and stamp:
            started[job.group(1)] = (rule, stamp)
        done = re.match(r"^Finished jobid: (\d+)", line)
        if done and done.group(1) in started and stamp:
            name, begun = started.pop(done.group(1))
            spent[name].append((stamp - begun).total_seconds())
    total = sum(sum(times) for times in spent.values())
    print(f"{log}: {(last - first).total_seconds():.0f} s wall, {total:.0f} s of job time")
    print(f"{'rule':22} {'jobs':>5} {'job s':>7} {'mean s':>7} {'share':>6}")
    for name, times in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        print(f"{name:22} {len(times):5d} {sum(times):7.0f} {sum(times) / len(times):7.1f} {sum(times) / total:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, help="a materialised model (results/base_models/<name>)")
    parser.add_argument("--snakemake-log", type=Path, help="a finished run's .snakemake/log/*.snakemake.log")
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 2],
        help="torch threads, one measurement each (the tiny scale runs inference jobs on 1 thread, two side by side)",
    )
    args = parser.parse_args()
    if args.snakemake_log:
        rule_shares(args.snakemake_log)
    for threads in args.threads if args.model_dir else []:
        torch.set_num_threads(threads)
        peak, bandwidth = matmul_peak(size=2048, repeats=10) / 1e9, copy_gbs()
        print(f"\nmachine ({threads} threads): fp32 matmul {peak:.0f} GFLOP/s, memory copy {bandwidth:.1f} GB/s")
        model_rates(args.model_dir, peak, bandwidth)


if __name__ == "__main__":
    main()
