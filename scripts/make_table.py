"""Write results/tables/<table>.tex from score JSONs, or (--index) the index results/tables/all."""

from pathlib import Path

from rualign import cli_utils
from rualign.tables import make_index, make_table


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        table, spec, scores, published, out = (
            job.wildcards.table, job.params.spec, job.input.scores, job.input.published, job.output.tex
        )  # fmt: skip
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--table", help="table id (config.yaml: tables)")
        parser.add_argument("--scores", type=Path, nargs="*", default=[], help="score JSON files")
        parser.add_argument("--index", type=Path, nargs="*", help="write an index of these files (tables, report)")
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args()
        cli_utils.setup()
        if args.index is not None:
            make_index(args.index, args.out)
            return
        if not args.table:
            parser.error("--table is required (or --index)")
        workflow = cli_utils.workflow(args)
        if args.table not in workflow.config["tables"]:
            parser.error(f"unknown table {args.table!r}: the config declares {', '.join(workflow.config['tables'])}")
        table, spec, scores, out = args.table, workflow.table_spec(args.table), args.scores, args.out
        published = workflow.config["published_numbers"]
    make_table(table, spec, [Path(p) for p in scores], Path(published), Path(out))


if __name__ == "__main__":
    cli_utils.run(main)
