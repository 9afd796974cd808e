"""Materialise a catalogue model (GGUF in a PyPI package, hub repo, or folder) as a transformers folder."""

from pathlib import Path

from rualign import cli_utils
from rualign.io import atomic_path, write_json_atomic
from rualign.modeling import materialize
from rualign.provenance import Provenance


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        spec, out, trust = job.params.spec, Path(job.output.model), job.params.trust_remote_code
    else:
        parser = cli_utils.parser(__doc__, threads=True)
        parser.add_argument("--model", required=True, help="a model of the scale's catalogue (config: models)")
        parser.add_argument("--out", type=Path, required=True, help="output model folder")
        args = parser.parse_args()
        cli_utils.setup(args.threads)
        workflow = cli_utils.workflow(args)
        if args.model not in workflow.config["models"]:
            parser.error(f"unknown model {args.model!r}: the catalogue has {', '.join(workflow.config['models'])}")
        spec, out, trust = workflow.model_spec(args.model), args.out, workflow.config["trust_remote_code"]
    prov = Provenance("materialize_model", config=spec)
    with atomic_path(out) as tmp:
        facts = materialize(spec, tmp, trust_remote_code=trust, name=out.name)
        write_json_atomic(tmp / "provenance.json", prov.block(**facts))


if __name__ == "__main__":
    cli_utils.run(main)
