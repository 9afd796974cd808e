"""Evaluate one model on every benchmark in one process: answers to the generative benchmarks
(results/generations/<experiment>/<benchmark>.jsonl) and the MMLU scores (results/scores/<experiment>/
<mmlu>.json). The model is loaded once; each benchmark resumes from its own cache."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.evaluate import evaluate_model


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        evaluate_model(
            job.wildcards.experiment,
            Path(job.input.model),
            job.params.generation_specs,
            job.params.mmlu_specs,
            Path(job.input.benchmark_items[0]).parent,
            Path(job.output.answers[0]).parent,
            Path(job.output.mmlu_scores[0]).parent,
            job.params.compute,
            job.params.evaluation,
            job.params.seed,
            Path(job.params.cache_dir),
            job.params.trust_remote_code,
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--items-dir", type=Path, required=True, help="results/benchmarks (<benchmark>.jsonl)")
    parser.add_argument("--answers-dir", type=Path, required=True, help="results/generations/<experiment>")
    parser.add_argument("--scores-dir", type=Path, required=True, help="results/scores/<experiment> (MMLU)")
    parser.add_argument(
        "--generation-specs",
        type=cli_utils.json_arg,
        required=True,
        help="generative benchmark -> its generation spec (JSON or @file)",
    )
    parser.add_argument(
        "--mmlu-specs", type=cli_utils.json_arg, required=True, help="MMLU benchmark -> its config (JSON or @file)"
    )
    parser.add_argument("--compute", type=cli_utils.json_arg, required=True, help="config 'compute' (JSON)")
    parser.add_argument("--evaluation", type=cli_utils.json_arg, required=True, help="config 'evaluation' (JSON)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True, help="resume caches (results/cache)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    evaluate_model(
        args.experiment,
        args.model_dir,
        args.generation_specs,
        args.mmlu_specs,
        args.items_dir,
        args.answers_dir,
        args.scores_dir,
        args.compute,
        args.evaluation,
        args.seed,
        args.cache_dir,
        args.trust_remote_code,
    )


if __name__ == "__main__":
    cli_utils.run(main)
