"""The first p percent of a recipe's seeded train rows (fractions nest: 60 % lies inside 80 %)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign import training_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        D.fraction_step(Path(job.input.train), int(job.wildcards.percent), Path(job.output.train))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--percent", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cli_utils.setup()
    D.fraction_step(args.train, args.percent, args.out)


if __name__ == "__main__":
    cli_utils.run(main)
