"""Write one experiment's training recipe (results/recipes/<experiment>.yaml): stage type, trl trainer args,
LoRA settings, seed and device, as plain YAML that scripts/train.py reads."""

from pathlib import Path

from rualign import cli_utils
from rualign.training import write_recipe


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is None:
        raise SystemExit("run by Snakemake (rule training_recipe); by hand, write the YAML yourself (see README)")
    cli_utils.setup(log=job.log[0])
    write_recipe(job.params.recipe, Path(job.output.recipe))


if __name__ == "__main__":
    cli_utils.run(main)
