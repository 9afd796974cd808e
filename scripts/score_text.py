"""Score a model's answers to a text-scored benchmark (LIBRA: EM/F1, FLORES: ROUGE-1/2):
results/scores/<experiment>/<benchmark>.json and its per-item JSONL."""

from pathlib import Path

from rualign import cli_utils
from rualign.benchmarks import benchmarks_scored_by
from rualign.evaluate import score_text


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        experiment, benchmark = job.wildcards.experiment, job.wildcards.libra_or_flores
        items, answers, out = job.input.benchmark_items, job.input.answers, job.output.score
        spec, evaluation, seed = job.params.spec, job.params.evaluation, job.params.seed
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--experiment", required=True)
        parser.add_argument("--benchmark", choices=benchmarks_scored_by("text"), required=True)
        parser.add_argument("--items", type=Path, required=True, help="results/benchmarks/<benchmark>.jsonl")
        parser.add_argument("--generations", type=Path, required=True, help="the model's answers")
        parser.add_argument("--out", type=Path, required=True, help="results/scores/<experiment>/<benchmark>.json")
        args = parser.parse_args()
        cli_utils.setup()
        config = cli_utils.workflow(args).config
        experiment, benchmark, items, answers, out = (
            args.experiment,
            args.benchmark,
            args.items,
            args.generations,
            args.out,
        )
        spec, evaluation, seed = config["benchmarks"][benchmark], config["evaluation"], config["seed"]
    score_text(experiment, benchmark, Path(items), Path(answers), spec, evaluation, seed, Path(out))


if __name__ == "__main__":
    cli_utils.run(main)
