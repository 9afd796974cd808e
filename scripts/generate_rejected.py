"""Replace a preference dataset's rejected answers by a model's own samples (resumable; results/data/selfgen/)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign import sft_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        D.selfgen_step(
            Path(job.input.rows),
            Path(job.input.model),
            job.params.generator,
            job.params.compute,
            job.params.seed,
            Path(job.output.rows),
            Path(job.params.cache_dir),
            job.params.trust_remote_code,
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--generator", type=cli_utils.json_arg, required=True, help="recipe rejected_generator (JSON)")
    parser.add_argument("--compute", type=cli_utils.json_arg, required=True, help="config 'compute' (JSON or @file)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    D.selfgen_step(
        args.rows,
        args.model_dir,
        args.generator,
        args.compute,
        args.seed,
        args.out,
        args.cache_dir,
        args.trust_remote_code,
    )


if __name__ == "__main__":
    cli_utils.run(main)
