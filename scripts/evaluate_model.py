"""Evaluate one model on every benchmark in one process: answers to the generative benchmarks
(results/generations/<experiment>/<benchmark>.jsonl) and the MMLU scores (results/scores/<experiment>/
<mmlu>.json). The model is loaded once; each benchmark resumes from its own cache."""

from pathlib import Path

from rualign import cli_utils
from rualign.evaluate import evaluate_model


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        experiment, model_dir, params = job.wildcards.experiment, job.input.model, job.params
        items_dir = Path(job.input.benchmark_items[0]).parent
        answers_dir, scores_dir = Path(job.output.answers[0]).parent, Path(job.output.mmlu_scores[0]).parent
        generation_specs, mmlu_specs, cache_dir = params.generation_specs, params.mmlu_specs, params.cache_dir
        compute, evaluation, seed, trust = params.compute, params.evaluation, params.seed, params.trust_remote_code
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--experiment", required=True)
        parser.add_argument("--model-dir", type=Path, required=True)
        parser.add_argument("--items-dir", type=Path, default=Path("results/benchmarks"), help="<benchmark>.jsonl")
        parser.add_argument("--answers-dir", type=Path, help="default: results/generations/<experiment>")
        parser.add_argument("--scores-dir", type=Path, help="MMLU scores; default: results/scores/<experiment>")
        parser.add_argument("--cache-dir", type=Path, default=Path("results/cache"), help="resume caches")
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        workflow = cli_utils.workflow(args)
        config = workflow.config
        experiment, model_dir, items_dir, cache_dir = args.experiment, args.model_dir, args.items_dir, args.cache_dir
        answers_dir = args.answers_dir or Path("results/generations") / experiment
        scores_dir = args.scores_dir or Path("results/scores") / experiment
        generation_specs, mmlu_specs = workflow.generation_specs, workflow.mmlu_specs
        compute, evaluation, seed, trust = (
            config["compute"],
            config["evaluation"],
            config["seed"],
            config["trust_remote_code"],
        )
    evaluate_model(
        experiment,
        Path(model_dir),
        generation_specs,
        mmlu_specs,
        items_dir,
        answers_dir,
        scores_dir,
        compute,
        evaluation,
        seed,
        Path(cache_dir),
        trust,
    )


if __name__ == "__main__":
    cli_utils.run(main)
