"""Training data steps: normalise a raw dataset, judge it (RAG quality 1-5), regenerate rejected answers,
cut a recipe, take a fraction."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign import sft_data as D


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    steps = parser.add_subparsers(dest="step", required=True)

    p = steps.add_parser("normalise", help="raw dataset -> common chat format + stats")
    p.add_argument("--dataset", required=True)
    p.add_argument("--spec", type=cli_utils.json_arg, required=True, help="config datasets.<name> (JSON)")
    p.add_argument("--on-bad-row", choices=["error", "drop"], required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--stats", type=Path, required=True)

    p = steps.add_parser("judge", help="LLM-judge quality score 1-5 per row (resumable)")
    p.add_argument("--rows", type=Path, required=True)
    p.add_argument("--judge", type=cli_utils.json_arg, required=True, help="config 'judge' (JSON)")
    p.add_argument("--compute", type=cli_utils.json_arg, required=True, help="config 'compute' (JSON)")
    p.add_argument("--judge-model-dir", type=Path, default=None)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--cache-dir", type=Path, required=True)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--trust-remote-code", action="store_true")

    p = steps.add_parser("selfgen", help="replace rejected answers by the model's own samples (resumable)")
    p.add_argument("--rows", type=Path, required=True)
    p.add_argument("--model-dir", type=Path, required=True)
    p.add_argument("--generator", type=cli_utils.json_arg, required=True, help="recipe rejected_generator (JSON)")
    p.add_argument("--compute", type=cli_utils.json_arg, required=True, help="config 'compute' (JSON)")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--cache-dir", type=Path, required=True)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--trust-remote-code", action="store_true")

    p = steps.add_parser("recipe", help="seeded shuffle, filters, validation split + stats")
    p.add_argument("--recipe", required=True)
    p.add_argument("--spec", type=cli_utils.json_arg, required=True, help="config data_recipes.<name> (JSON)")
    p.add_argument("--dataset-spec", type=cli_utils.json_arg, required=True, help="config datasets.<name> (JSON)")
    p.add_argument("--rows", type=Path, required=True)
    p.add_argument("--normalise-stats", type=Path, required=True)
    p.add_argument("--scores", type=Path, default=None, help="judge scores JSONL (recipes with judge_scores)")
    p.add_argument("--tokenizer-dir", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--train", type=Path, required=True)
    p.add_argument("--validation", type=Path, required=True)
    p.add_argument("--stats", type=Path, required=True)

    p = steps.add_parser("fraction", help="the first p percent of the train rows")
    p.add_argument("--train", type=Path, required=True)
    p.add_argument("--percent", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)

    args = parser.parse_args()
    cli_utils.setup(getattr(args, "threads", None))
    root = Path.cwd()
    if args.step == "normalise":
        D.normalise_step(args.dataset, args.spec, root, args.on_bad_row, args.out, args.stats)
    elif args.step == "judge":
        D.judge_step(
            args.rows, args.judge, args.compute, args.judge_model_dir, args.out, args.cache_dir, args.trust_remote_code
        )
    elif args.step == "selfgen":
        D.selfgen_step(
            args.rows,
            args.model_dir,
            args.generator,
            args.compute,
            args.seed,
            args.out,
            args.cache_dir,
            args.trust_remote_code,
        )
    elif args.step == "recipe":
        D.recipe_step(
            args.recipe,
            args.spec,
            args.dataset_spec,
            args.rows,
            args.normalise_stats,
            args.tokenizer_dir,
            args.seed,
            args.train,
            args.validation,
            args.stats,
            args.scores,
        )
    else:
        D.fraction_step(args.train, args.percent, args.out)


if __name__ == "__main__":
    cli_utils.run(main)
