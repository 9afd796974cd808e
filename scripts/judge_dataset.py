"""LLM-judge quality score 1-5 per row of a normalised dataset (resumable; results/data/judged/)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign import sft_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        judge_model = Path(job.input.judge_model) if job.input.get("judge_model") else None
        D.judge_step(
            Path(job.input.rows),
            job.params.judge,
            job.params.compute,
            judge_model,
            Path(job.output.scores),
            Path(job.params.cache_dir),
            job.params.trust_remote_code,
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument("--judge", type=cli_utils.json_arg, required=True, help="config 'judge' (JSON or @file)")
    parser.add_argument("--compute", type=cli_utils.json_arg, required=True, help="config 'compute' (JSON or @file)")
    parser.add_argument("--judge-model-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    D.judge_step(
        args.rows, args.judge, args.compute, args.judge_model_dir, args.out, args.cache_dir, args.trust_remote_code
    )


if __name__ == "__main__":
    cli_utils.run(main)
