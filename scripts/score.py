"""Score one (experiment, benchmark): results/scores/<experiment>/<benchmark>.json + per-item JSONL."""

import argparse
from pathlib import Path

from rualign import cli_utils
from rualign.benchmarks import BENCHMARKS
from rualign.evaluate import score_mmlu, score_text
from rualign.judge import score_arena


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--benchmark", choices=sorted(BENCHMARKS), required=True)
    parser.add_argument("--items", type=Path, help="results/benchmarks/<id>.jsonl (LIBRA, FLORES, MMLU)")
    parser.add_argument("--generations", type=Path, help="the model's answers (LIBRA, FLORES, arena)")
    parser.add_argument("--judgments", type=Path, help="arena judgments")
    parser.add_argument("--model-dir", type=Path, help="model folder (MMLU)")
    parser.add_argument("--spec", type=cli_utils.json_arg, default={}, help="the benchmark's config (JSON)")
    parser.add_argument("--compute", type=cli_utils.json_arg, default={}, help="config 'compute' (MMLU)")
    parser.add_argument("--evaluation", type=cli_utils.json_arg, required=True, help="config 'evaluation'")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--trust-remote-code", action="store_true")
    args = parser.parse_args()
    cli_utils.setup(args.threads)
    kind = BENCHMARKS[args.benchmark].kind
    required = {"arena": ("judgments", "generations"), "mmlu": ("items", "model_dir")}.get(
        kind, ("items", "generations")
    )
    missing = [f"--{name.replace('_', '-')}" for name in required if getattr(args, name) is None]
    if missing:
        parser.error(f"{args.benchmark} needs {' '.join(missing)}")
    if kind == "arena":
        score_arena(args.experiment, args.judgments, args.generations, args.evaluation, args.seed, args.out)
    elif kind == "mmlu":
        score_mmlu(
            args.experiment,
            args.benchmark,
            args.items,
            args.model_dir,
            args.spec,
            args.compute,
            args.evaluation,
            args.seed,
            args.out,
            args.trust_remote_code,
        )
    else:
        score_text(
            args.experiment,
            args.benchmark,
            args.items,
            args.generations,
            args.spec,
            args.evaluation,
            args.seed,
            args.out,
        )


if __name__ == "__main__":
    cli_utils.run(main)
