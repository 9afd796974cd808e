"""Write results/report/: report.tex, report.html, report.pdf (when pdflatex exists), figures/, tables/.

Reads the built tables, the score files their provenance names, the published numbers and any
measured data statistics (results/data/*/stats.json); conclusions are computed from the numbers.
"""

import argparse
import sys

from rualign import cli_utils, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    report.add_arguments(parser)
    args = parser.parse_args()
    cli_utils.setup()
    code = report.run_cli(args)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    cli_utils.run(main)
