"""Train one LoRA stage (SFT, SimPO, DPO, KTO, ORPO) on top of a parent model; resumes from checkpoints."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.training import STAGES, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--stage", choices=STAGES, required=True)
    parser.add_argument("--args", type=cli_utils.json_arg, required=True, help="merged trainer args (JSON)")
    parser.add_argument("--lora", type=cli_utils.json_arg, required=True, help="config training.lora (JSON)")
    parser.add_argument("--parent-model", type=Path, required=True)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--validation", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="adapter folder")
    parser.add_argument("--checkpoint-dir", type=Path, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    train(
        args.experiment,
        args.stage,
        args.args,
        args.lora,
        args.parent_model,
        args.train,
        args.validation,
        args.out,
        args.checkpoint_dir,
        args.seed,
        args.device,
        args.trust_remote_code,
    )


if __name__ == "__main__":
    cli_utils.run(main)
