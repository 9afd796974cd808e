"""Cut a data recipe: seeded shuffle, filters, validation split and stats (results/data/<recipe>/)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign import sft_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        i, o = job.input, job.output
        D.recipe_step(
            job.wildcards.recipe,
            job.params.spec,
            job.params.dataset_spec,
            Path(i.rows),
            Path(i.normalise_stats),
            Path(i.tokenizer),
            job.params.seed,
            Path(o.train),
            Path(o.validation),
            Path(o.stats),
            Path(i.scores) if i.get("scores") else None,
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipe", required=True)
    parser.add_argument("--spec", type=cli_utils.json_arg, required=True, help="config data_recipes.<name> (JSON)")
    parser.add_argument("--dataset-spec", type=cli_utils.json_arg, required=True, help="config datasets.<name> (JSON)")
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument("--normalise-stats", type=Path, required=True)
    parser.add_argument("--scores", type=Path, default=None, help="judge scores JSONL (recipes with judge_scores)")
    parser.add_argument("--tokenizer-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--validation", type=Path, required=True)
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()
    cli_utils.setup()
    D.recipe_step(
        args.recipe,
        args.spec,
        args.dataset_spec,
        args.rows,
        args.normalise_stats,
        args.tokenizer_dir,
        args.seed,
        args.train,
        args.validation,
        args.stats,
        args.scores,
    )


if __name__ == "__main__":
    cli_utils.run(main)
