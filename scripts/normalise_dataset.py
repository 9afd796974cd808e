"""Normalise one raw training dataset into the common chat/preference format, with stats (results/data/normalised/)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign import sft_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        out, stats = Path(job.output.rows), Path(job.output.stats)
        D.normalise_step(job.wildcards.dataset, job.params.spec, Path.cwd(), job.params.on_bad_row, out, stats)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--spec", type=cli_utils.json_arg, required=True, help="config datasets.<name> (JSON or @file)")
    parser.add_argument("--on-bad-row", choices=["error", "drop"], required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()
    cli_utils.setup()
    D.normalise_step(args.dataset, args.spec, Path.cwd(), args.on_bad_row, args.out, args.stats)


if __name__ == "__main__":
    cli_utils.run(main)
