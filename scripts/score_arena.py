"""Score a model's judged RU Arena Hard answers (judge win rate, win share, answer length):
results/scores/<experiment>/ru_arena_hard.json and its per-item JSONL."""

from pathlib import Path

from rualign import cli_utils
from rualign.judge import score_arena


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        experiment, judgments, answers, out = (
            job.wildcards.experiment,
            job.input.judgments,
            job.input.answers,
            job.output.score,
        )
        evaluation, seed = job.params.evaluation, job.params.seed
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--experiment", required=True)
        parser.add_argument("--judgments", type=Path, required=True, help="results/judgments/<experiment>/...jsonl")
        parser.add_argument("--generations", type=Path, required=True, help="the model's answers")
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args()
        cli_utils.setup()
        config = cli_utils.workflow(args).config
        experiment, judgments, answers, out = args.experiment, args.judgments, args.generations, args.out
        evaluation, seed = config["evaluation"], config["seed"]
    score_arena(experiment, Path(judgments), Path(answers), evaluation, seed, Path(out))


if __name__ == "__main__":
    cli_utils.run(main)
