"""Normalise one benchmark's source data into results/benchmarks/<benchmark>.jsonl (plus provenance)."""

from pathlib import Path

from rualign import cli_utils
from rualign.benchmarks import BENCHMARKS
from rualign.evaluate import prepare_benchmark


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        name, spec, seed, out = job.wildcards.benchmark, job.params.spec, job.params.seed, job.output.benchmark_items
        tokenizer = job.input.get("tokenizer")
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--benchmark", choices=sorted(BENCHMARKS), required=True)
        parser.add_argument("--out", type=Path, required=True, help="results/benchmarks/<benchmark>.jsonl")
        parser.add_argument("--tokenizer-dir", help="model folder whose tokenizer measures lengths (built benchmarks)")
        args = parser.parse_args()
        cli_utils.setup()
        config = cli_utils.workflow(args).config
        name, spec, seed, out = args.benchmark, config["benchmarks"][args.benchmark], config["seed"], args.out
        tokenizer = args.tokenizer_dir
    prepare_benchmark(name, spec, Path.cwd(), seed, Path(out), Path(tokenizer) if tokenizer else None)


if __name__ == "__main__":
    cli_utils.run(main)
