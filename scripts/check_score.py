"""Evaluate one model for the pipeline checks: its answers to the checks' items of a benchmark
(results/checks/generations/<experiment>/<benchmark>.jsonl) and their score
(results/checks/scores/<experiment>/<benchmark>.json): LIBRA and FLORES as the tables score them, RU Arena
Hard by answer length alone."""

from pathlib import Path

from rualign import checks, cli_utils


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        experiment, benchmark = job.wildcards.experiment, job.wildcards.benchmark
        items, model_dir, answers, score = (
            job.input.benchmark_items,
            job.input.model,
            job.output.answers,
            job.output.score,
        )
        params = job.params
        generation_spec, spec, compute, evaluation = (
            params.generation_spec,
            params.spec,
            params.compute,
            params.evaluation,
        )
        seed, cache_dir, trust = params.seed, params.cache_dir, params.trust_remote_code
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--experiment", required=True)
        parser.add_argument("--benchmark", choices=checks.CHECK_BENCHMARKS, required=True)
        parser.add_argument("--model-dir", type=Path, required=True)
        parser.add_argument("--items", type=Path, required=True, help="results/checks/benchmarks/<benchmark>.jsonl")
        parser.add_argument("--answers", type=Path, required=True, help="where the answers go")
        parser.add_argument(
            "--out", type=Path, required=True, help="results/checks/scores/<experiment>/<benchmark>.json"
        )
        parser.add_argument("--cache-dir", type=Path, default=Path("results/cache"), help="resume caches")
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        workflow = cli_utils.workflow(args)
        config = workflow.config
        experiment, benchmark, items, model_dir = args.experiment, args.benchmark, args.items, args.model_dir
        answers, score, cache_dir = args.answers, args.out, args.cache_dir
        generation_spec, spec = workflow.generation_spec(benchmark), config["benchmarks"][benchmark]
        compute, evaluation, seed, trust = (
            config["compute"],
            config["evaluation"],
            config["seed"],
            config["trust_remote_code"],
        )
    checks.evaluate(
        experiment,
        benchmark,
        Path(items),
        Path(model_dir),
        generation_spec,
        spec,
        compute,
        evaluation,
        seed,
        Path(answers),
        Path(score),
        Path(cache_dir),
        trust,
    )


if __name__ == "__main__":
    cli_utils.run(main)
