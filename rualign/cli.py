"""The `rualign` command: audit a table cell, estimate the cost of a target, build the report.

rualign audit results/tables/table9.tex --column sp60-a0.2-r1.7 --metric judge_winrate
rualign estimate results/tables/table9.tex        # or: rualign estimate all
rualign report --out results/report ...            # normally run by the Snakemake rule `report`
"""

from __future__ import annotations

import argparse
import sys

from rualign import cli_utils


def main(argv: list[str] | None = None) -> None:
    from rualign import audit, estimate, report

    parser = argparse.ArgumentParser(prog="rualign", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module, summary in (
        ("audit", audit, "lineage of one table cell, with every checksum re-verified (exit 1 on drift)"),
        ("estimate", estimate, "jobs per rule, tokens and A100-hours of a target at paper scale"),
        ("report", report, "the thesis-style report (LaTeX/PDF, HTML, figures) from built tables"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run_cli)
    args = parser.parse_args(argv)

    def run() -> None:
        code = args.run(args)
        if code:
            sys.exit(code)

    cli_utils.run(run)


if __name__ == "__main__":
    main()
