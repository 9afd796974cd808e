"""Merge a LoRA adapter into its parent model: full safetensors weights, tokenizer, model card."""

from pathlib import Path

from rualign import cli_utils
from rualign.training import merge


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        experiment, parent, adapter, out = (
            job.wildcards.experiment, job.input.parent_model, job.input.adapter, job.output.model
        )  # fmt: skip
        description, dtype, trust = job.params.description, job.params.dtype, job.params.trust_remote_code
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--experiment", required=True)
        parser.add_argument("--parent-model", type=Path, required=True)
        parser.add_argument("--adapter", type=Path, required=True)
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        config = cli_utils.workflow(args).config
        experiment, parent, adapter, out = args.experiment, args.parent_model, args.adapter, args.out
        description = config["experiments"].get(experiment, {}).get("description", "")
        dtype, trust = config["training"]["runtime"]["merge_dtype"], config["trust_remote_code"]
    merge(experiment, description, Path(parent), Path(adapter), Path(out), dtype, trust)


if __name__ == "__main__":
    cli_utils.run(main)
