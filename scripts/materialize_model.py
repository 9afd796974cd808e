"""Materialise a catalogue model (GGUF in a PyPI package, hub repo, or folder) as a transformers folder."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.io import atomic_path, write_json_atomic
from rualign.modeling import materialize
from rualign.provenance import Provenance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", type=cli_utils.json_arg, required=True, help="model source (JSON)")
    parser.add_argument("--out", type=Path, required=True, help="output model folder")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    prov = Provenance("materialize_model", config=args.spec)
    with atomic_path(args.out) as tmp:
        facts = materialize(args.spec, tmp, trust_remote_code=args.trust_remote_code, name=args.out.name)
        write_json_atomic(tmp / "provenance.json", prov.block(**facts))


if __name__ == "__main__":
    cli_utils.run(main)
