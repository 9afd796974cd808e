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
        """Snakemake `resources:` of a rule group, from the scale's `resources:` ({} for a group it lacks).

        Unset keys (null) are left out, so the profile's default-resources apply. mem_mb and runtime
        become functions of Snakemake's `attempt`: a retried job (OOM kill, timeout, scancel) asks for
        retry_growth ** (attempt - 1) times its first request.
        """
        spec = {k: v for k, v in self.config["resources"].get(group, {}).items() if v is not None}
        growth = spec.pop("retry_growth", 1.0)
        for key in ("mem_mb", "runtime"):
            if key in spec:
                spec[key] = _grows_on_retry(spec[key], growth)
        return spec

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
        """Model folder of an experiment: its merged model, or (no stage) the base model."""
        exp = self.config["experiments"][experiment]
        return f"results/models/{experiment}" if exp["stage"] else self.base_model_dir()

    def parent_model_dir(self, experiment: str) -> str:
        parent = self.config["experiments"][experiment]["parent"]
        return self.model_dir(parent) if parent else self.base_model_dir()

    # ------------------------------------------------------------ training
    @property
    def trained_experiments(self) -> list[str]:
        return [name for name, exp in self.config["experiments"].items() if exp["stage"]]

    @property
    def judged_datasets(self) -> list[str]:
        """Datasets that some recipe filters by LLM-judge score."""
        recipes = self.config["data_recipes"].values()
        return sorted({r["dataset"] for r in recipes if r["judge_scores"] is not None})

    def recipe(self, name: str) -> dict[str, Any]:
        return self.config["data_recipes"][name]

    def dataset_spec(self, dataset: str) -> dict[str, Any]:
        return self.config["datasets"][dataset]

    def dataset_inputs(self, wildcards) -> dict[str, str]:
        """Local files of a raw dataset, so that editing them reruns its normalisation."""
        spec = self.config["datasets"][wildcards.dataset]["source"]
        return {re.sub(r"\W", "_", key): path for key, path in local_paths(spec).items()}

    def recipe_inputs(self, wildcards) -> dict[str, str]:
        recipe = self.recipe(wildcards.recipe)
        dataset = recipe["dataset"]
        generated = recipe["rejected_generator"] is not None
        inputs = {
            "rows": f"results/data/selfgen/{wildcards.recipe}.jsonl"
            if generated
            else f"results/data/normalised/{dataset}.jsonl",
            "normalise_stats": f"results/data/normalised/{dataset}.stats.json",
            "tokenizer": self.base_model_dir(),
        }
        if recipe["judge_scores"] is not None:
            inputs["scores"] = f"results/data/judged/{dataset}.jsonl"
        return inputs

    @property
    def selfgen_recipes(self) -> list[str]:
        return [name for name, r in self.config["data_recipes"].items() if r["rejected_generator"] is not None]

    def selfgen_generator(self, recipe: str) -> dict[str, Any]:
        generator = dict(self.recipe(recipe)["rejected_generator"])
        if generator["max_new_tokens"] is None:
            generator["max_new_tokens"] = self.config["benchmarks"]["ru_arena_hard"]["max_new_tokens"]
        return generator

    def selfgen_inputs(self, wildcards) -> dict[str, str]:
        recipe = self.recipe(wildcards.recipe)
        return {
            "rows": f"results/data/normalised/{recipe['dataset']}.jsonl",
            "model": self.model_dir(recipe["rejected_generator"]["experiment"]),
        }

    @staticmethod
    def scores_arg(wildcards, input) -> str:  # noqa: A002 (Snakemake's name)
        return f"--scores {input.scores}" if "scores" in input.keys() else ""  # noqa: SIM118 (Namedlist)

    def train_inputs(self, wildcards) -> dict[str, str]:
        stage = self.config["experiments"][wildcards.experiment]["stage"]
        return {
            "parent_model": self.parent_model_dir(wildcards.experiment),
            "train": f"results/data/{stage['data']}/train_{stage['fraction']}pct.jsonl",
            "validation": f"results/data/{stage['data']}/validation.jsonl",
        }

    def stage_type(self, experiment: str) -> str:
        return self.config["experiments"][experiment]["stage"]["type"]

    def train_args(self, experiment: str) -> dict[str, Any]:
        from rualign.training import stage_args

        return stage_args(self.config, experiment)

    def train_lora(self, experiment: str) -> dict[str, Any]:
        from rualign.training import stage_lora

        return stage_lora(self.config, experiment)

    def train_launcher(self, experiment: str) -> str:
        """python, or accelerate launch with num_processes data-parallel processes when training.runtime
        says so: one per GPU, or on CPU (compute.device: cpu) processes that share the job's threads
        and talk over gloo. --multi_gpu selects accelerate's torchrun launcher either way (its --cpu
        would start a single process); port 0 = a free port, so jobs on one node do not collide."""
        processes = self.config["training"]["runtime"]["num_processes"]
        if processes > 1:
            return (
                f"accelerate launch --num_processes {processes} --num_machines 1 --multi_gpu "
                "--main_process_port 0 --dynamo_backend no"
            )
        return "python"

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
        spec["chains"] = {column: self.chain(column) for column in spec["columns"]}
        used = {
            self.recipe(self.config["experiments"][e]["stage"]["data"])["dataset"]
            for c in spec["columns"]
            for e in self.chain(c)
            if self.config["experiments"][e]["stage"]
        }
        spec["training_standins"] = sorted(d for d in used if self.config["datasets"][d]["standin"])
        return spec

    def chain(self, experiment: str) -> list[str]:
        """Trained experiments from the base model to this one (baseline: [baseline])."""
        chain = [experiment]
        while self.config["experiments"][chain[0]]["parent"]:
            chain.insert(0, self.config["experiments"][chain[0]]["parent"])
        return chain

    def table_scores(self, table: str) -> list[str]:
        spec = self.table_spec(table)
        benchmarks = sorted({METRICS[m][0] for m in spec["metrics"]})
        return [f"results/scores/{e}/{b}.json" for e in spec["columns"] for b in benchmarks]


def _grows_on_retry(first: int, growth: float):
    def on_attempt(wildcards, attempt: int) -> int:
        return round(first * growth ** (attempt - 1))

    return on_attempt
