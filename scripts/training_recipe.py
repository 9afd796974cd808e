"""Write one experiment's training recipe (results/recipes/<experiment>.yaml): stage type, hyperparameters,
LoRA settings, trainer runtime, seed and device, as plain YAML that scripts/train.py reads (and a user may edit)."""

from pathlib import Path

from rualign import cli_utils
from rualign.training import write_recipe


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        recipe, out = job.params.recipe, job.output.recipe
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--experiment", required=True, help="a trained experiment of the config")
        parser.add_argument("--out", type=Path, required=True, help="results/recipes/<experiment>.yaml")
        args = parser.parse_args()
        cli_utils.setup()
        workflow = cli_utils.workflow(args)
        if args.experiment not in workflow.trained_experiments:
            parser.error(f"{args.experiment!r} is not a trained experiment: {', '.join(workflow.trained_experiments)}")
        recipe, out = workflow.training_recipe(args.experiment), args.out
    write_recipe(recipe, Path(out))


if __name__ == "__main__":
    cli_utils.run(main)
