"""Train one LoRA stage (SFT, SimPO, DPO, KTO, ORPO) from a recipe (results/recipes/<experiment>.yaml) on top of
a parent model: adapter folder + training summary; resumes from its checkpoints after an interruption.
Run with python, or under `accelerate launch` for data-parallel processes."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.training import read_recipe, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipe", type=Path, required=True, help="stage, hyperparameters, LoRA, runtime, seed (YAML)")
    parser.add_argument("--parent-model", type=Path, required=True)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--validation", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="adapter folder")
    parser.add_argument("--checkpoint-dir", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    recipe = read_recipe(args.recipe)
    train(
        recipe["experiment"],
        recipe["stage"],
        {**recipe["runtime"], **recipe["args"]},
        recipe["lora"],
        args.parent_model,
        args.train,
        args.validation,
        args.out,
        args.checkpoint_dir,
        recipe["seed"],
        recipe["device"],
        recipe["trust_remote_code"],
    )


if __name__ == "__main__":
    cli_utils.run(main)
