"""Materialise a catalogue model (GGUF in a PyPI package, hub repo, or folder) as a transformers folder."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.io import atomic_path, write_json_atomic
from rualign.modeling import materialize
from rualign.provenance import Provenance


def main() -> None:
    job = cli_utils.snakemake_job()
    if job is not None:
        cli_utils.setup(job.threads, job.log[0])
        materialize_model(job.params.spec, Path(job.output.model), job.params.trust_remote_code)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=cli_utils.json_arg, required=True, help="model source (JSON)")
    parser.add_argument("--out", type=Path, required=True, help="output model folder")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    materialize_model(args.spec, args.out, args.trust_remote_code)


def materialize_model(spec: dict, out: Path, trust_remote_code: bool) -> None:
    prov = Provenance("materialize_model", config=spec)
    with atomic_path(out) as tmp:
        facts = materialize(spec, tmp, trust_remote_code=trust_remote_code, name=out.name)
        write_json_atomic(tmp / "provenance.json", prov.block(**facts))


if __name__ == "__main__":
    cli_utils.run(main)
