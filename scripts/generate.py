"""Generate a model's answers to a generative benchmark (resumable; vLLM or transformers)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.benchmarks import BENCHMARKS
from rualign.evaluate import generate_answers


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        generate_answers(
            job.params.benchmark,
            Path(job.input.benchmark_items),
            Path(job.input.model),
            job.params.spec,
            job.params.compute,
            job.params.seed,
            Path(job.output.answers),
            Path(job.params.cache_dir),
            job.params.trust_remote_code,
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--benchmark", choices=sorted(BENCHMARKS), required=True)
    parser.add_argument("--items", type=Path, required=True, help="results/benchmarks/<id>.jsonl")
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--spec", type=cli_utils.json_arg, required=True, help="the benchmark's config (JSON)")
    parser.add_argument("--compute", type=cli_utils.json_arg, required=True, help="config 'compute' (JSON)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True, help="resume cache folder")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    generate_answers(
        args.benchmark,
        args.items,
        args.model_dir,
        args.spec,
        args.compute,
        args.seed,
        args.out,
        args.cache_dir,
        args.trust_remote_code,
    )


if __name__ == "__main__":
    cli_utils.run(main)
