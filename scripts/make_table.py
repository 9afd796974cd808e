"""Write results/tables/<table>.tex from score JSONs, or the index results/tables/all."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.tables import make_index, make_table


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        scores = [Path(p) for p in job.input.scores]
        make_table(job.wildcards.table, job.params.spec, scores, Path(job.input.published), Path(job.output.tex))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table", help="table id (config.yaml: tables)")
    parser.add_argument("--spec", type=cli_utils.json_arg, help="the table's resolved config (JSON)")
    parser.add_argument("--published", type=Path, help="thesis numbers (paper/thesis_tables.yaml)")
    parser.add_argument("--scores", type=Path, nargs="*", default=[], help="score JSON files")
    parser.add_argument("--index", type=Path, nargs="*", help="write an index of these files (tables, report) instead")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cli_utils.setup()
    if args.index is not None:
        make_index(args.index, args.out)
        return
    if not (args.table and args.spec and args.published):
        parser.error("--table, --spec and --published are required (or --index)")
    make_table(args.table, args.spec, args.scores, args.published, args.out)


if __name__ == "__main__":
    cli_utils.run(main)
