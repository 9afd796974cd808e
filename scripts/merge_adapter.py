"""Merge a LoRA adapter into its parent model: full safetensors weights, tokenizer, model card."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.training import merge


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        merge(
            job.wildcards.experiment,
            job.params.description,
            Path(job.input.parent_model),
            Path(job.input.adapter),
            Path(job.output.model),
            job.params.dtype,
            job.params.trust_remote_code,
        )
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--description", default="")
    parser.add_argument("--parent-model", type=Path, required=True)
    parser.add_argument("--adapter", type=Path, required=True)
    parser.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    merge(
        args.experiment, args.description, args.parent_model, args.adapter, args.out, args.dtype, args.trust_remote_code
    )


if __name__ == "__main__":
    cli_utils.run(main)
