"""Score a model's judged RU Arena Hard answers (judge win rate, win share, answer length):
results/scores/<experiment>/ru_arena_hard.json and its per-item JSONL."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.judge import score_arena


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        score_arena(
            job.wildcards.experiment,
            Path(job.input.judgments),
            Path(job.input.answers),
            job.params.evaluation,
            job.params.seed,
            Path(job.output.score),
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--judgments", type=Path, required=True, help="results/judgments/<experiment>/...jsonl")
    parser.add_argument("--generations", type=Path, required=True, help="the model's answers")
    parser.add_argument("--evaluation", type=cli_utils.json_arg, required=True, help="config 'evaluation' (JSON)")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cli_utils.setup()
    score_arena(args.experiment, args.judgments, args.generations, args.evaluation, args.seed, args.out)


if __name__ == "__main__":
    cli_utils.run(main)
