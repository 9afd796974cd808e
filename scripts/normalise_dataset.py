"""Normalise one raw training dataset into the common chat/preference format, with stats
(results/data/normalised/<dataset>.jsonl)."""

from pathlib import Path

from rualign import cli_utils
from rualign import training_data as D


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        dataset, spec, on_bad_row = job.wildcards.dataset, job.params.spec, job.params.on_bad_row
        out, stats = job.output.rows, job.output.stats
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--dataset", required=True, help="a dataset of the config (datasets)")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--stats", type=Path, required=True)
        args = parser.parse_args()
        cli_utils.setup()
        workflow = cli_utils.workflow(args)
        if args.dataset not in workflow.config["datasets"]:
            parser.error(f"unknown dataset {args.dataset!r}: the config has {', '.join(workflow.config['datasets'])}")
        dataset, spec, on_bad_row = args.dataset, workflow.dataset_spec(args.dataset), workflow.config["on_bad_row"]
        out, stats = args.out, args.stats
    D.normalise_step(dataset, spec, Path.cwd(), on_bad_row, Path(out), Path(stats))


if __name__ == "__main__":
    cli_utils.run(main)
