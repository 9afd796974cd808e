"""The pipeline checks' verdicts (results/checks/pipeline_checks.json): did each canary's metric move as
expected against what it is compared with? A failed check is written and logged, not an error: the
report shows it."""

import logging
from pathlib import Path

from rualign import checks, cli_utils

log = logging.getLogger("rualign.checks")


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(log=job.log[0])
        experiments, out = job.params.experiments, job.output.checks
    else:
        parser = cli_utils.parser(__doc__)
        parser.add_argument("--out", type=Path, default=checks.VERDICTS)
        args = parser.parse_args()
        cli_utils.setup()
        experiments, out = cli_utils.workflow(args).config["experiments"], args.out
    if not checks.check_all(experiments, Path.cwd(), Path(out)):
        log.warning("a pipeline check failed: see %s", out)


if __name__ == "__main__":
    cli_utils.run(main)
