"""What the Snakefile asks of the configuration: paths, wildcards, per-rule inputs and params.

Kept in the package (not in the Snakefile) so it is unit-tested and the rules stay declarative.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any, NoReturn

from rualign import checks, protocol
from rualign import config as config_mod
from rualign.benchmarks import METRICS, benchmarks_scored_by, generative_benchmarks
from rualign.experiments import is_trained, lineage
from rualign.sources import local_paths


class Workflow:
    def __init__(self, config: dict[str, Any], basedir: str | Path):
        self.config = config
        self.basedir = Path(basedir)

    @classmethod
    def from_snakemake(cls, config: dict[str, Any], basedir: str | Path, configfiles=None) -> Workflow:
        """Resolve and validate Snakemake's config; stop planning with one line on any problem.

        `configfiles` are the YAML files Snakemake merged (config.yaml and --configfile), re-read
        strictly because Snakemake's loader keeps the last of two equal keys; by default they are
        taken from the calling Snakefile's `workflow.configfiles`.
        """
        if configfiles is None:
            configfiles = _snakefile_configfiles()
        try:
            config_mod.check_files(configfiles)
            resolved = config_mod.resolve(config)
            config_mod.check_local_files(resolved, Path.cwd())  # rules read data paths relative to the workdir
        except config_mod.ConfigError as err:
            _stop(err)
        return cls(resolved, basedir)

    @classmethod
    def from_files(cls, configfiles: list[str | Path]) -> Workflow:
        """The Workflow of config files merged in order (as Snakemake merges config.yaml and --configfiles),
        resolved and checked as `from_snakemake` does; a problem raises ConfigError (scripts run by hand)."""
        missing = [str(path) for path in configfiles if not Path(path).is_file()]
        if missing:
            raise config_mod.ConfigError(f"no such config file: {', '.join(missing)}")
        config_mod.check_files(configfiles)
        merged: dict[str, Any] = {}
        for path in configfiles:
            merged = config_mod.deep_merge(merged, config_mod.read_yaml(path) or {})
        resolved = config_mod.resolve(merged, str(configfiles[0]))
        config_mod.check_local_files(resolved, Path.cwd())
        return cls(resolved, Path.cwd())

    @staticmethod
    def check_syntax(path: str | Path) -> None:
        """Stop with file:line:column when a YAML file the Snakefile is about to load is malformed
        (Snakemake's own loader says only 'Config file is not valid JSON or YAML')."""
        if not Path(path).is_file():
            return  # Snakemake names the missing file itself
        try:
            config_mod.read_yaml(path)
        except config_mod.ConfigError as err:
            _stop(err)

    # ------------------------------------------------------------ wildcards
    @staticmethod
    def alternatives(names) -> str:
        return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)) or "(?!)"

    @classmethod
    def other_than(cls, names, followed_by: str = ".") -> str:
        """A wildcard that matches any name but `names`: a file name (followed by '.') or a folder ('/')."""
        return f"(?!(?:{cls.alternatives(names)})[{re.escape(followed_by)}])[^/.]+"

    @property
    def generative_benchmarks(self) -> list[str]:
        return generative_benchmarks()

    @property
    def text_scored_benchmarks(self) -> list[str]:
        return benchmarks_scored_by("text")

    @property
    def check_benchmarks(self) -> list[str]:
        """Benchmarks the pipeline checks can score (rualign.checks.CHECK_METRICS)."""
        return checks.CHECK_BENCHMARKS

    @property
    def mmlu_benchmarks(self) -> list[str]:
        return benchmarks_scored_by("next_token")

    @property
    def check_scores(self) -> list[str]:
        """The score files of the pipeline checks (canaries and what they are compared with)."""
        return [str(checks.score_path(e, b)) for e, b in checks.runs(self.config["experiments"])]

    @property
    def pipeline_checks_input(self) -> list[str]:
        """The report's pipeline checks file, when any experiment has a canary."""
        return [str(checks.VERDICTS)] if checks.canaries(self.config["experiments"]) else []

    @property
    def generated_references(self) -> dict[str, str]:
        return self.config["benchmarks"]["ru_arena_hard"]["generated_references"]

    # ------------------------------------------------------------ params
    @staticmethod
    def shell_prefix(deployment_methods) -> str:
        """Shell code run before every rule's command: bash's strict mode, then the bin folder of Snakemake's
        own environment first on PATH, so `python scripts/...` is never whatever `python` the caller's shell
        finds first (not under `--sdm conda`, where Snakemake activates the rule's conda env instead)."""
        from snakemake_interface_executor_plugins.settings import DeploymentMethod

        strict = "set -euo pipefail; "  # Snakemake's own default prefix, which shell.prefix replaces
        if DeploymentMethod.CONDA in deployment_methods:
            return strict
        return strict + f'export PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"; '

    def resources(self, group: str) -> dict[str, Any]:
        """Snakemake `resources:` of a rule group, from the scale's `resources:` ({} for a group it lacks).

        Unset keys (null) are left out, so the profile's default-resources apply. mem_mb and runtime
        become functions of Snakemake's `attempt`: a retried job (OOM kill, timeout, scancel) asks for
        retry_growth ** (attempt - 1) times its first request.
        """
        spec = {k: v for k, v in self.config["resources"].get(group, {}).items() if v is not None}
        spec.pop("threads", None)  # the rule's threads: (`threads`), not a resource
        growth = spec.pop("retry_growth", 1.0)
        for key in ("mem_mb", "runtime"):
            if key in spec:
                spec[key] = _grows_on_retry(spec[key], growth)
        return spec

    def threads(self, group: str) -> int:
        """CPU threads of a job in a rule group (the group's `threads`, default 2)."""
        return self.config["resources"].get(group, {}).get("threads") or 2

    def generation_spec(self, benchmark: str) -> dict[str, Any]:
        """The part of a benchmark's config that shapes its answers (so other edits do not regenerate)."""
        spec = self.config["benchmarks"][benchmark]
        out = {k: spec[k] for k in ("max_new_tokens", "max_prompt_tokens", "system_prompt", "sampling") if k in spec}
        evaluation = self.config.get("evaluation", {})
        keys = ["system_turn", "prompt_truncation"] + (["flores_prompt"] if benchmark.startswith("flores") else [])
        out.update({k: evaluation[k] for k in keys if k in evaluation})
        if benchmark != "ru_arena_hard" and "generation_sampling" in evaluation:
            out["sampling"] = evaluation["generation_sampling"]
        if benchmark == "ru_arena_hard" and "arena_system_turn" in evaluation:
            # the thesis's arena answers came from ruadapt's infer_vllm.py (plain chat template), not llmtf
            out["system_turn"] = evaluation["arena_system_turn"]
        return out

    @property
    def generation_specs(self) -> dict[str, dict[str, Any]]:
        """Generative benchmark -> its generation spec: what evaluate_model needs to answer it."""
        return {b: self.generation_spec(b) for b in self.generative_benchmarks}

    @property
    def mmlu_specs(self) -> dict[str, dict[str, Any]]:
        return {b: self.config["benchmarks"][b] for b in self.mmlu_benchmarks}

    def model_spec(self, model: str) -> dict[str, Any]:
        return self.config["models"][model]

    # ------------------------------------------------------------ paths
    def base_model_dir(self) -> str:
        return f"results/base_models/{self.config['base_model']}"

    def model_dir(self, experiment: str) -> str:
        """Model folder of an experiment: its merged model, or (no stage) the base model."""
        trained = is_trained(self.config["experiments"][experiment])
        return f"results/models/{experiment}" if trained else self.base_model_dir()

    def parent_model_dir(self, experiment: str) -> str:
        parent = self.config["experiments"][experiment]["parent"]
        return self.model_dir(parent) if parent else self.base_model_dir()

    # ------------------------------------------------------------ training
    @property
    def trained_experiments(self) -> list[str]:
        return [name for name, exp in self.config["experiments"].items() if is_trained(exp)]

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
            "rows": f"results/data/generate_rejected/{wildcards.recipe}.jsonl"
            if generated
            else f"results/data/normalised/{dataset}.jsonl",
            "normalise_stats": f"results/data/normalised/{dataset}.stats.json",
            "tokenizer": self.base_model_dir(),
        }
        if recipe["judge_scores"] is not None:
            inputs["scores"] = f"results/data/judged/{dataset}.jsonl"
        return inputs

    @property
    def generate_rejected_recipes(self) -> list[str]:
        return [name for name, r in self.config["data_recipes"].items() if r["rejected_generator"] is not None]

    def rejected_generator(self, recipe: str) -> dict[str, Any]:
        generator = dict(self.recipe(recipe)["rejected_generator"])
        if generator["max_new_tokens"] is None:
            generator["max_new_tokens"] = self.config["benchmarks"]["ru_arena_hard"]["max_new_tokens"]
        return generator

    def generate_rejected_inputs(self, wildcards) -> dict[str, str]:
        recipe = self.recipe(wildcards.recipe)
        return {
            "rows": f"results/data/normalised/{recipe['dataset']}.jsonl",
            "model": self.model_dir(recipe["rejected_generator"]["experiment"]),
        }

    def train_inputs(self, wildcards) -> dict[str, str]:
        stage = self.config["experiments"][wildcards.experiment]["stage"]
        return {
            "recipe": f"results/recipes/{wildcards.experiment}.yaml",
            "parent_model": self.parent_model_dir(wildcards.experiment),
            "train": f"results/data/{stage['data']}/train_{stage['fraction']}pct.jsonl",
            "validation": f"results/data/{stage['data']}/validation.jsonl",
        }

    def training_recipe(self, experiment: str) -> dict[str, Any]:
        """What scripts/train.py needs besides paths (results/recipes/<experiment>.yaml)."""
        from rualign.training import stage_args, stage_lora, trainer_runtime

        return {
            "experiment": experiment,
            "stage": self.config["experiments"][experiment]["stage"]["type"],
            "seed": self.config["seed"],
            "device": self.config["compute"]["device"],
            "trust_remote_code": self.config["trust_remote_code"],
            "args": stage_args(self.config, experiment),
            "lora": stage_lora(self.config, experiment),
            "runtime": trainer_runtime(self.config),
        }

    def train_launcher(self) -> list[str]:
        """python, or accelerate launch with num_processes data-parallel processes when training.runtime
        says so: one per GPU, or on CPU (compute.device: cpu) processes that share the job's threads
        and talk over gloo. --multi_gpu selects accelerate's torchrun launcher either way (its --cpu
        would start a single process); port 0 = a free port, so jobs on one node do not collide."""
        processes = self.config["training"]["runtime"]["num_processes"]
        if processes > 1:
            return [
                *("accelerate", "launch", "--num_processes", str(processes), "--num_machines", "1", "--multi_gpu"),
                *("--main_process_port", "0", "--dynamo_backend", "no"),
            ]
        return ["python"]

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

    def unknown_table(self, wildcards) -> list[str]:
        """Input function of the catch-all table rule: fail while planning, naming the known tables."""
        from snakemake.exceptions import WorkflowError

        raise WorkflowError(
            f"unknown table '{wildcards.unknown}': config.yaml declares {', '.join(self.config['tables'])}"
        )

    def unknown_name(self, wildcard: str, section: str):
        """Input function of a catch-all rule for a result path whose `wildcard` names no entry of the
        config's `section`: fail while planning with that name and the known ones, not 'No rule to produce'."""
        from snakemake.exceptions import WorkflowError

        def fail(wildcards) -> list[str]:
            known = ", ".join(sorted(self.config[section]))
            raise WorkflowError(
                f"unknown {section[:-1]} '{wildcards[wildcard]}' in the target path: {section} are {known}"
            )

        return fail

    def table_spec(self, table: str) -> dict[str, Any]:
        spec = dict(self.config["tables"][table])
        spec.setdefault("metrics", list(METRICS))
        spec["scale"] = self.config["scale"]
        spec["base_model"] = self.config["base_model"]
        spec["judge"] = self.config["judge"].get("model")
        spec["assumptions"] = {column: self.config["experiments"][column]["assumptions"] for column in spec["columns"]}
        spec["chains"] = {column: self.chain(column) for column in spec["columns"]}
        lineage = {e for chain in spec["chains"].values() for e in chain}
        used = {
            self.recipe(self.config["experiments"][e]["stage"]["data"])["dataset"]
            for e in lineage
            if is_trained(self.config["experiments"][e])
        }
        spec["training_standins"] = sorted(d for d in used if self.config["datasets"][d]["standin"])
        spec["protocol_deviations"] = protocol.deviations(self.config)
        spec["training_choices"] = protocol.training_choices(self.config, lineage)
        return spec

    def chain(self, experiment: str) -> list[str]:
        """Trained experiments from the base model to this one (baseline: [baseline])."""
        return lineage(self.config["experiments"], experiment)

    def table_scores(self, table: str) -> list[str]:
        spec = self.table_spec(table)
        benchmarks = sorted({METRICS[m].benchmark for m in spec["metrics"]})
        return [f"results/scores/{e}/{b}.json" for e in spec["columns"] for b in benchmarks]


def _snakefile_configfiles() -> list[str]:
    """The config files of the Snakemake workflow whose Snakefile called from_snakemake (or [])."""
    import inspect

    frame = inspect.currentframe()
    try:
        while frame is not None:
            workflow = frame.f_globals.get("workflow")
            if workflow is not None and hasattr(workflow, "configfiles"):
                return [str(p) for p in workflow.configfiles]
            frame = frame.f_back
        return []
    finally:
        del frame


def _grows_on_retry(first: int, growth: float):
    def on_attempt(wildcards, attempt: int) -> int:
        return round(first * growth ** (attempt - 1))

    return on_attempt


def _stop(err: Exception) -> NoReturn:
    """Stop planning with one readable line instead of a traceback through Snakemake's parser."""
    print(f"error: {err}", file=sys.stderr)
    raise SystemExit(1) from None


def report_notice(root: str | Path = ".") -> str | None:
    """What a finished run tells the user about the report: where it is and whether a PDF was made (and if
    not, how to get one). None when no report was built."""
    provenance = Path(root) / "results/report/report.provenance.json"
    if not provenance.is_file():
        return None
    build = json.loads(provenance.read_text(encoding="utf-8")).get("build", {})
    if build.get("pdf"):
        return "Report: results/report/report.pdf (also report.html, report.tex)"
    return (
        f"Report: results/report/report.html and report.tex; no PDF ({build.get('reason') or 'not compiled'}). "
        "For the PDF: ./setup.sh --tex, then .venv/bin/snakemake report --forcerun report"
    )
