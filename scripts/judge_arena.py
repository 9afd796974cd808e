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
        run_judge(
            Path(job.input.benchmark_items),
            Path(job.input.answers),
            {name: Path(job.input[f"reference{i}"]) for i, name in enumerate(job.params.references)},
            job.params.judge,
            job.params.compute,
            Path(job.input.judge_model) if job.input.get("judge_model") else None,
            Path(job.output.judgments),
            Path(job.params.cache_dir),
            job.params.trust_remote_code,
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=Path, required=True, help="results/benchmarks/ru_arena_hard.jsonl")
    parser.add_argument("--answers", type=Path, required=True, help="the evaluated model's answers")
    parser.add_argument(
        "--reference",
        type=reference_arg,
        action="append",
        default=[],
        help="NAME=answers.jsonl of a generated reference model (repeatable)",
    )
    parser.add_argument("--judge", type=cli_utils.json_arg, required=True, help="config 'judge' (JSON)")
    parser.add_argument("--compute", type=cli_utils.json_arg, required=True, help="config 'compute' (JSON)")
    parser.add_argument("--judge-model-dir", type=Path, default=None, help="local judge model folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    if args.judge["backend"] == "local" and args.judge_model_dir is None:
        parser.error("a local judge needs --judge-model-dir")
    run_judge(
        args.items,
        args.answers,
        dict(args.reference),
        args.judge,
        args.compute,
        args.judge_model_dir,
        args.out,
        args.cache_dir,
        args.trust_remote_code,
    )


if __name__ == "__main__":
    cli_utils.run(main)
