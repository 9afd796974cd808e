"""What the Snakefile asks of the configuration: paths, wildcards, per-rule inputs and params.

Kept in the package (not in the Snakefile) so it is unit-tested and the rules stay declarative.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from rualign import config as config_mod
from rualign.benchmarks import BENCHMARKS, METRICS
from rualign.sources import local_paths


class Workflow:
    def __init__(self, config: dict[str, Any], basedir: str | Path):
        self.config = config
        self.basedir = Path(basedir)

    @classmethod
    def from_snakemake(cls, config: dict[str, Any], basedir: str | Path) -> Workflow:
        try:
            resolved = config_mod.resolve(config)
        except config_mod.ConfigError as err:
            # One readable message instead of a traceback through Snakemake's parser.
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(1) from None
        return cls(resolved, basedir)

    # ------------------------------------------------------------ wildcards
    @staticmethod
    def alternatives(names) -> str:
        return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)) or "(?!)"

    @classmethod
    def other_than(cls, names) -> str:
        """A file-name wildcard that matches anything but `names` (the wildcard is followed by a '.')."""
        return f"(?!(?:{cls.alternatives(names)})[.])[^/.]+"

    @property
    def generative_benchmarks(self) -> list[str]:
        return [b for b in BENCHMARKS if BENCHMARKS[b].kind != "mmlu"]

    @property
    def text_scored_benchmarks(self) -> list[str]:
        return [b for b in BENCHMARKS if BENCHMARKS[b].kind in ("libra", "flores")]

    @property
    def mmlu_benchmarks(self) -> list[str]:
        return [b for b in BENCHMARKS if BENCHMARKS[b].kind == "mmlu"]

    @property
    def generated_references(self) -> dict[str, str]:
        return self.config["benchmarks"]["ru_arena_hard"]["generated_references"]

    # ------------------------------------------------------------ params
    @staticmethod
    def json(obj: Any) -> str:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @property
    def trust_flag(self) -> str:
        return "--trust-remote-code" if self.config["trust_remote_code"] else ""

    def resources(self, group: str) -> dict[str, Any]:
        return dict(self.config["resources"].get(group, {}))

    def generation_spec(self, benchmark: str) -> dict[str, Any]:
        """The part of a benchmark's config that shapes its answers (so other edits do not regenerate)."""
        spec = self.config["benchmarks"][benchmark]
        return {k: spec[k] for k in ("max_new_tokens", "max_prompt_tokens", "system_prompt") if k in spec}

    def model_spec(self, model: str) -> dict[str, Any]:
        return self.config["models"][model]

    # ------------------------------------------------------------ paths
    def base_model_dir(self) -> str:
        return f"results/base_models/{self.config['base_model']}"

    def model_dir(self, experiment: str) -> str:
        """Model folder of an experiment. Experiments without training use their chain's base model."""
        return self.base_model_dir()

    def reference_model_dir(self, reference: str) -> str:
        return f"results/base_models/{self.generated_references[reference]}"

    def judge_model_dir(self) -> str | None:
        judge = self.config["judge"]
        return f"results/base_models/{judge['model']}" if judge["backend"] == "local" else None

    def benchmark_inputs(self, wildcards) -> dict[str, str]:
        """Local source files of a benchmark (so edits rerun it) and the tokenizer a builder needs."""
        spec = self.config["benchmarks"][wildcards.benchmark]
        inputs = {re.sub(r"\W", "_", key): path for key, path in local_paths(spec).items()}
        if spec.get("build"):
            inputs["tokenizer"] = self.base_model_dir()
        return inputs

    def judge_inputs(self, wildcards) -> dict[str, str]:
        inputs = {
            "benchmark_items": "results/benchmarks/ru_arena_hard.jsonl",
            "answers": f"results/generations/{wildcards.experiment}/ru_arena_hard.jsonl",
        }
        for i, reference in enumerate(sorted(self.generated_references)):
            inputs[f"reference{i}"] = f"results/references/{reference}/ru_arena_hard.jsonl"
        if self.judge_model_dir():
            inputs["judge_model"] = self.judge_model_dir()
        return inputs

    def generated_reference_args(self, wildcards, input) -> str:  # noqa: A002 (Snakemake's name)
        return " ".join(
            f"--reference {json.dumps(ref)}={input[f'reference{i}']}"
            for i, ref in enumerate(sorted(self.generated_references))
        )

    def judge_model_arg(self, wildcards, input) -> str:  # noqa: A002
        return f"--judge-model-dir {input.judge_model}" if "judge_model" in input.keys() else ""  # noqa: SIM118 (Namedlist)

    def unknown_table(self, wildcards) -> list[str]:
        """Input function of the catch-all table rule: fail while planning, naming the known tables."""
        from snakemake.exceptions import WorkflowError

        raise WorkflowError(
            f"unknown table '{wildcards.unknown}': config.yaml declares {', '.join(self.config['tables'])}"
        )

    def table_spec(self, table: str) -> dict[str, Any]:
        spec = dict(self.config["tables"][table])
        spec.setdefault("metrics", list(METRICS))
        spec["scale"] = self.config["scale"]
        spec["base_model"] = self.config["base_model"]
        spec["judge"] = self.config["judge"].get("model")
        spec["assumptions"] = {column: self.config["experiments"][column]["assumptions"] for column in spec["columns"]}
        return spec

    def table_scores(self, table: str) -> list[str]:
        spec = self.table_spec(table)
        benchmarks = sorted({METRICS[m][0] for m in spec["metrics"]})
        return [f"results/scores/{e}/{b}.json" for e in spec["columns"] for b in benchmarks]
