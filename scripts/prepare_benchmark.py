"""Normalise one benchmark's source data into results/benchmarks/<id>.jsonl (plus provenance)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.benchmarks import BENCHMARKS
from rualign.evaluate import prepare_benchmark


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        tokenizer = job.input.get("tokenizer")
        out = Path(job.output.benchmark_items)
        tokenizer_dir = Path(tokenizer) if tokenizer else None
        prepare_benchmark(job.wildcards.benchmark, job.params.spec, Path.cwd(), job.params.seed, out, tokenizer_dir)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--benchmark", choices=sorted(BENCHMARKS), required=True)
    parser.add_argument("--spec", type=cli_utils.json_arg, required=True, help="the benchmark's config (JSON)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="folder that relative data paths start from")
    parser.add_argument(
        "--tokenizer-dir", type=Path, default=None, help="model folder whose tokenizer measures lengths"
    )
    args = parser.parse_args()
    cli_utils.setup()
    prepare_benchmark(args.benchmark, args.spec, args.root, args.seed, args.out, args.tokenizer_dir)


if __name__ == "__main__":
    cli_utils.run(main)
