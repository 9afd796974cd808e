"""Print the lineage of one table cell (table -> score -> generations -> model -> ... -> raw data, config, code).

Every file and folder is re-hashed and compared with the sha256 its consumer recorded; exits 1 on drift.
"""

import argparse
import sys

from rualign import audit, cli_utils


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    audit.add_arguments(parser)
    code = audit.run_cli(parser.parse_args())
    if code:
        sys.exit(code)


if __name__ == "__main__":
    cli_utils.run(main)
