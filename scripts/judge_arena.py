"""Judge a model's RU Arena Hard answers against every reference model, both orders (resumable)."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.judge import run_judge


def reference_arg(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")  # reference names cannot contain "=" (config schema)
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=PATH")
    return name, Path(path)


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        items, answers, out, params = job.input.benchmark_items, job.input.answers, job.output.judgments, job.params
        references = {name: Path(job.input[f"reference{i}"]) for i, name in enumerate(params.references)}
        judge_model = job.input.get("judge_model")
        judge, compute, cache_dir, trust = params.judge, params.compute, params.cache_dir, params.trust_remote_code
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--items", type=Path, required=True, help="results/benchmarks/ru_arena_hard.jsonl")
        parser.add_argument("--answers", type=Path, required=True, help="the evaluated model's answers")
        parser.add_argument(
            "--reference",
            type=reference_arg,
            action="append",
            default=[],
            help="NAME=answers.jsonl of a generated reference model (repeatable)",
        )
        parser.add_argument("--judge-model-dir", type=Path, default=None, help="local judge model folder")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--cache-dir", type=Path, default=Path("results/cache/judge"), help="resume cache")
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        config = cli_utils.workflow(args).config
        items, answers, out, references = args.items, args.answers, args.out, dict(args.reference)
        judge_model, cache_dir = args.judge_model_dir, args.cache_dir
        judge, compute, trust = config["judge"], config["compute"], config["trust_remote_code"]
        if judge["backend"] == "local" and judge_model is None:
            parser.error("a local judge needs --judge-model-dir")
    judge_model_dir = Path(judge_model) if judge_model else None
    run_judge(
        Path(items), Path(answers), references, judge, compute, judge_model_dir, Path(out), Path(cache_dir), trust
    )


if __name__ == "__main__":
    cli_utils.run(main)
