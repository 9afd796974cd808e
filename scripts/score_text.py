"""Score a model's answers to a text-scored benchmark (LIBRA: EM/F1, FLORES: ROUGE-1/2):
results/scores/<experiment>/<benchmark>.json and its per-item JSONL."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.benchmarks import benchmarks_scored_by
from rualign.evaluate import score_text


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        score_text(
            job.wildcards.experiment,
            job.wildcards.libra_or_flores,
            Path(job.input.benchmark_items),
            Path(job.input.answers),
            job.params.spec,
            job.params.evaluation,
            job.params.seed,
            Path(job.output.score),
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--benchmark", choices=benchmarks_scored_by("text"), required=True)
    parser.add_argument("--items", type=Path, required=True, help="results/benchmarks/<benchmark>.jsonl")
    parser.add_argument("--generations", type=Path, required=True, help="the model's answers")
    parser.add_argument("--spec", type=cli_utils.json_arg, required=True, help="the benchmark's config (JSON or @file)")
    parser.add_argument("--evaluation", type=cli_utils.json_arg, required=True, help="config 'evaluation' (JSON)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cli_utils.setup()
    score_text(
        args.experiment, args.benchmark, args.items, args.generations, args.spec, args.evaluation, args.seed, args.out
    )


if __name__ == "__main__":
    cli_utils.run(main)
