"""Replace a preference dataset's rejected answers by a model's own samples (resumable;
results/data/generate_rejected/<recipe>.jsonl, thesis table 11)."""

from pathlib import Path

from rualign import cli_utils
from rualign import training_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        rows, model_dir, out, params = job.input.rows, job.input.model, job.output.rows, job.params
        generator, compute, seed = params.generator, params.compute, params.seed
        cache_dir, trust = params.cache_dir, params.trust_remote_code
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--recipe", required=True, help="a recipe with a rejected_generator (data_recipes)")
        parser.add_argument("--rows", type=Path, required=True, help="results/data/normalised/<dataset>.jsonl")
        parser.add_argument("--model-dir", type=Path, required=True, help="the generator experiment's model")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument(
            "--cache-dir", type=Path, default=Path("results/cache/generate_rejected"), help="resume cache"
        )
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        workflow = cli_utils.workflow(args)
        if args.recipe not in workflow.generate_rejected_recipes:
            parser.error(
                f"{args.recipe!r} has no rejected_generator: recipes with one are {workflow.generate_rejected_recipes}"
            )
        rows, model_dir, out, cache_dir = args.rows, args.model_dir, args.out, args.cache_dir
        generator, compute, seed = (
            workflow.rejected_generator(args.recipe),
            workflow.config["compute"],
            workflow.config["seed"],
        )
        trust = workflow.config["trust_remote_code"]
    D.generate_rejected(Path(rows), Path(model_dir), generator, compute, seed, Path(out), Path(cache_dir), trust)


if __name__ == "__main__":
    cli_utils.run(main)
