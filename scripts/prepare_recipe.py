"""Cut a data recipe: seeded shuffle, filters, validation split and stats (results/data/<recipe>/)."""

from pathlib import Path

from rualign import cli_utils
from rualign import training_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        recipe, spec, dataset_spec, seed = (
            job.wildcards.recipe,
            job.params.spec,
            job.params.dataset_spec,
            job.params.seed,
        )
        i, o = job.input, job.output
        rows, normalise_stats, tokenizer, scores = i.rows, i.normalise_stats, i.tokenizer, i.get("scores")
        train, validation, stats = o.train, o.validation, o.stats
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--recipe", required=True, help="a recipe of the config (data_recipes)")
        parser.add_argument("--rows", type=Path, required=True, help="normalised (or self-generated) rows")
        parser.add_argument("--normalise-stats", type=Path, required=True)
        parser.add_argument("--scores", type=Path, default=None, help="judge scores JSONL (recipes with judge_scores)")
        parser.add_argument("--tokenizer-dir", type=Path, required=True)
        parser.add_argument("--train", type=Path, required=True)
        parser.add_argument("--validation", type=Path, required=True)
        parser.add_argument("--stats", type=Path, required=True)
        args = parser.parse_args()
        cli_utils.setup()
        workflow = cli_utils.workflow(args)
        if args.recipe not in workflow.config["data_recipes"]:
            parser.error(f"unknown recipe {args.recipe!r}: the config has {', '.join(workflow.config['data_recipes'])}")
        recipe, spec, seed = args.recipe, workflow.recipe(args.recipe), workflow.config["seed"]
        dataset_spec = workflow.dataset_spec(spec["dataset"])
        rows, normalise_stats, tokenizer, scores = args.rows, args.normalise_stats, args.tokenizer_dir, args.scores
        train, validation, stats = args.train, args.validation, args.stats
    D.recipe_step(
        recipe,
        spec,
        dataset_spec,
        Path(rows),
        Path(normalise_stats),
        Path(tokenizer),
        seed,
        Path(train),
        Path(validation),
        Path(stats),
        Path(scores) if scores else None,
    )


if __name__ == "__main__":
    cli_utils.run(main)
