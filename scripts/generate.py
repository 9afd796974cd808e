"""Generate a model's answers to one generative benchmark (resumable; vLLM or transformers): the rule
generate_reference writes the generated reference answers of RU Arena Hard with it."""

from pathlib import Path

from rualign import cli_utils
from rualign.benchmarks import generative_benchmarks
from rualign.evaluate import generate_answers


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        params = job.params
        benchmark, items, model_dir, out = (
            params.benchmark,
            job.input.benchmark_items,
            job.input.model,
            job.output.answers,
        )
        spec, compute, seed, cache_dir, trust = (
            params.spec,
            params.compute,
            params.seed,
            params.cache_dir,
            params.trust_remote_code,
        )
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--benchmark", choices=generative_benchmarks(), required=True)
        parser.add_argument("--items", type=Path, required=True, help="results/benchmarks/<benchmark>.jsonl")
        parser.add_argument("--model-dir", type=Path, required=True)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--cache-dir", type=Path, default=Path("results/cache/generate"), help="resume cache")
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        workflow = cli_utils.workflow(args)
        config = workflow.config
        benchmark, items, model_dir, out, cache_dir = (
            args.benchmark,
            args.items,
            args.model_dir,
            args.out,
            args.cache_dir,
        )
        spec, compute, seed, trust = (
            workflow.generation_spec(benchmark),
            config["compute"],
            config["seed"],
            config["trust_remote_code"],
        )
    generate_answers(benchmark, Path(items), Path(model_dir), spec, compute, seed, Path(out), Path(cache_dir), trust)


if __name__ == "__main__":
    cli_utils.run(main)
