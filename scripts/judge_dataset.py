"""LLM-judge quality score 1-5 per row of a normalised dataset (resumable; results/data/judged/<dataset>.jsonl)."""

from pathlib import Path

from rualign import cli_utils
from rualign import training_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        rows, out, judge_model, params = job.input.rows, job.output.scores, job.input.get("judge_model"), job.params
        judge, compute, cache_dir, trust = params.judge, params.compute, params.cache_dir, params.trust_remote_code
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--rows", type=Path, required=True, help="results/data/normalised/<dataset>.jsonl")
        parser.add_argument("--judge-model-dir", type=Path, default=None, help="local judge model folder")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--cache-dir", type=Path, default=Path("results/cache/judge_dataset"), help="resume cache")
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        config = cli_utils.workflow(args).config
        rows, out, judge_model, cache_dir = args.rows, args.out, args.judge_model_dir, args.cache_dir
        judge, compute, trust = config["judge"], config["compute"], config["trust_remote_code"]
    judge_model_dir = Path(judge_model) if judge_model else None
    D.judge_step(Path(rows), judge, compute, judge_model_dir, Path(out), Path(cache_dir), trust)


if __name__ == "__main__":
    cli_utils.run(main)
