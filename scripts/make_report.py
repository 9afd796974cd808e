"""Write results/report/: report.tex, report.html, report.pdf (when pdflatex exists), figures/, tables/.

Reads the built tables, the score files their provenance names, the published numbers and any
measured data statistics (results/data/*/stats.json); conclusions are computed from the numbers.
"""

import argparse
import sys
from pathlib import Path

from rualign import cli_utils, report


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        tables, published, out = [Path(p) for p in job.input.tables], Path(job.input.published), Path(job.output.tex)
        code = report.write_report(job.params.config, tables, published, out.parent, Path("."), job.params.pdf)
    else:
        parser = argparse.ArgumentParser(description=__doc__)
        report.add_arguments(parser)
        args = parser.parse_args()
        cli_utils.setup()
        code = report.run_cli(args)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    cli_utils.run(main)
