"""Predict what a target costs at paper scale: jobs per rule, training and generated tokens, A100-hours.

Jobs come from a Snakemake dry run (`snakemake -n --forceall <target> --config scale=paper`); sizes
and throughputs come from a cost model YAML (paper/cost_model.yaml) in which every number states
its source or says "assumption". Rules the cost model does not know are counted, with no tokens.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rualign import config as config_mod
from rualign.benchmarks import benchmarks_scored_by
from rualign.io import RualignError

ROOT = config_mod.ROOT
DEFAULT_COST_MODEL = ROOT / "paper" / "cost_model.yaml"
MMLU_BENCHMARKS = set(benchmarks_scored_by("next_token"))  # scored by log-likelihood
_JOB_HEAD = re.compile(r"^(?:local)?rule (\w+):\s*$")
_WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")
_STATS_ROW = re.compile(r"^(\w+)\s+(\d+)\s*$")


@dataclass
class Job:
    rule: str
    wildcards: dict[str, str] = field(default_factory=dict)


@dataclass
class RuleCost:
    jobs: int = 0
    train_tokens: float = 0.0
    prompt_tokens: float = 0.0
    generated_tokens: float = 0.0
    gpu_hours: float = 0.0
    known: bool = True


# ---------------------------------------------------------------- dry run
def parse_dry_run(text: str) -> list[Job]:
    """Jobs of a `snakemake -n` printout: one per `rule X:` block with its wildcards.

    Falls back to the "Job stats" table (counts without wildcards) when no job blocks are printed
    (e.g. --quiet).
    """
    jobs: list[Job] = []
    current: Job | None = None
    for line in text.splitlines():
        head = _JOB_HEAD.match(line)
        if head:
            current = Job(head.group(1))
            jobs.append(current)
            continue
        wild = _WILDCARDS.match(line)
        if wild and current is not None:
            for pair in wild.group(1).split(", "):
                key, _, value = pair.partition("=")
                current.wildcards[key.strip()] = value.strip()
        elif not line.startswith((" ", "\t")):
            current = None
    if jobs:
        return jobs
    if "Job stats:" in text:
        table = text.split("Job stats:", 1)[1].split("\n\n", 1)[0]
        for line in table.splitlines():
            row = _STATS_ROW.match(line)
            if row and row.group(1) != "total":
                jobs += [Job(row.group(1)) for _ in range(int(row.group(2)))]
    return jobs


def target_path(target: str) -> str:
    """`all` -> results/tables/all; a table id -> its .tex; a path is kept."""
    if target == "all":
        return "results/tables/all"
    if re.fullmatch(r"table\w*", target):
        return f"results/tables/{target}.tex"
    return target


def dry_run(target: str, config_args: list[str], workdir: Path = ROOT) -> str:
    """Run the Snakemake dry run of `target` (every job, as from scratch); raise on a planning error."""
    snakemake = Path(sys.executable).parent / "snakemake"
    command = [str(snakemake) if snakemake.exists() else "snakemake", "-n", "--forceall", "--cores", "1"]
    command += [target_path(target), "--config", *config_args]
    try:
        result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise RualignError(f"snakemake dry run failed to start ({err})") from None
    if result.returncode != 0:
        raise RualignError(
            f"snakemake dry run of {target_path(target)} failed: {_planning_error(result.stderr + result.stdout)}"
        )
    return result.stdout + result.stderr


def _planning_error(text: str) -> str:
    """The message of a failed dry run, without Snakemake's banner and traceback."""
    ours = [line.removeprefix("error: ") for line in text.splitlines() if line.startswith("error: ")]
    if ours:
        return " ".join(ours)
    segment = text.split("Building DAG of jobs...")[-1].split("Traceback:")[0]
    lines = [line.strip() for line in segment.splitlines() if line.strip() and line.strip() not in ("Error:",)]
    return " | ".join(lines)[:600] or "no message"


# ---------------------------------------------------------------- cost model
def load_cost_model(path: str | Path = DEFAULT_COST_MODEL) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise RualignError(f"{path}: cost model not found")
    try:
        model = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise RualignError(f"{path}: not valid YAML ({err})") from None
    for section in ("datasets", "training", "benchmarks", "judge", "throughput"):
        if not isinstance(model.get(section), dict):
            raise RualignError(f"{path}: section '{section}' missing")
    return model


def _v(entry: Any) -> float:
    """Value of a {value, source} entry (a bare number is accepted)."""
    return float(entry["value"] if isinstance(entry, dict) else entry)


def assumptions(model: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Every (dotted key, value, source) in the cost model."""
    found: list[tuple[str, Any, str]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict) and "value" in node and "source" in node:
            found.append((where, node["value"], node["source"]))
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{where}.{key}" if where else str(key))

    walk(model, "")
    return found


class Estimator:
    def __init__(self, config: dict[str, Any], cost: dict[str, Any]):
        self.config = config
        self.cost = cost
        self.warnings: list[str] = []

    # ---- training data and training
    def _dataset(self, name: str, what: str) -> dict[str, Any] | None:
        size = self.cost["datasets"].get(name)
        if size is None:
            self.warnings.append(f"{what}: dataset '{name}' has no size in the cost model: 0 tokens")
        return size

    def train(self, experiment: str) -> RuleCost:
        """Tokens of one training job: the recipe's dataset x keep x (1 - validation) x fraction x epochs.

        Stage type, recipe, fraction and epochs are the config's (training.stages.<type> with the
        experiment's args over it); the cost model gives sizes, per-recipe keep shares and per-GPU rates.
        """
        spec = self.config.get("experiments", {}).get(experiment, {})
        stage = spec.get("stage")
        if not stage:
            self.warnings.append(f"train {experiment}: not a trained experiment of this config: 0 tokens")
            return RuleCost(jobs=1)
        recipe = self.config["data_recipes"][stage["data"]]
        size = self._dataset(recipe["dataset"], f"train {experiment}")
        if size is None:
            return RuleCost(jobs=1)
        training = self.cost["training"]
        keep = _v(self.cost.get("recipes", {}).get(stage["data"], {}).get("keep", size["keep"]))
        examples = _v(size["rows"]) * keep * (1 - recipe["validation_share"]) * stage["fraction"] / 100
        args = {**self.config["training"]["stages"].get(stage["type"], {}), **stage.get("args", {})}
        tokens = examples * float(args.get("num_train_epochs", 1)) * _v(size["tokens"])
        rate = _v(training["simpo_tokens_per_s" if stage["type"] != "sft" else "sft_tokens_per_s"])
        gpus = float(self.config.get("resources", {}).get("train", {}).get("gpu") or 1)
        gpu_seconds = tokens / rate + _v(training["startup_s"]) * gpus  # rate is per GPU
        return RuleCost(jobs=1, train_tokens=tokens, gpu_hours=gpu_seconds / 3600)

    def judge_dataset(self, dataset: str) -> RuleCost:
        """The LLM judge scoring every row of a training dataset (Grounded-RAG quality 1-5)."""
        size = self._dataset(dataset, f"judge_dataset {dataset}")
        if size is None:
            return RuleCost(jobs=1)
        rows, judge = _v(size["rows"]), self.cost["data_judge"]
        p, g = rows * (_v(size["tokens"]) + _v(judge["template"])), rows * _v(judge["output"])
        if self.config["judge"].get("backend") == "openai":
            return RuleCost(1, 0, p, g, 0.0)
        return RuleCost(1, 0, p, g, self._gpu_hours("judge", p, g))

    def generate_rejected(self, recipe: str) -> RuleCost:
        """The generator model answering every preference prompt (self-generated rejected answers)."""
        spec = self.config["data_recipes"][recipe]
        size = self._dataset(spec["dataset"], f"generate_rejected {recipe}")
        if size is None:
            return RuleCost(jobs=1)
        _, _, answer = self.benchmark_size("ru_arena_hard")  # the arena answer budget, as the rule
        budget = spec["rejected_generator"].get("max_new_tokens")
        rows = _v(size["rows"])
        p, g = rows * _v(self.cost["generate_rejected"]["prompt"]), rows * (min(answer, budget) if budget else answer)
        return RuleCost(1, 0, p, g, self._gpu_hours("small", p, g))

    # ---- evaluation
    def benchmark_size(self, benchmark: str, limit: int | None = None) -> tuple[float, float, float]:
        """(items, prompt tokens per item, generated tokens per item) of one benchmark at this config
        (`limit`: another item limit, as the pipeline checks' `checks.limit`)."""
        spec = self.config["benchmarks"].get(benchmark, {})
        if limit is not None:
            spec = {**spec, "limit": limit}
        sizes = self.cost["benchmarks"]
        key = (
            "babilong"
            if benchmark.startswith("babilong")
            else "flores"
            if benchmark.startswith("flores")
            else benchmark
        )
        size = sizes.get(key)
        if size is None:
            self.warnings.append(f"benchmark {benchmark}: no size in the cost model: 0 tokens")
            return 0.0, 0.0, 0.0
        lengths = spec.get("lengths") or {}
        per_length = _v(size["items"])
        limit = spec.get("limit") or 0
        if lengths:
            items = (min(limit, per_length) if limit else per_length) * len(lengths)
            prompt = sum(lengths.values()) / len(lengths)
        else:
            items = min(limit, per_length) if limit else per_length
            prompt = _v(size["prompt"])
        output = _v(size["output"])
        if spec.get("max_new_tokens"):
            output = min(output, float(spec["max_new_tokens"]))
        return items, prompt, output

    def _gpu_hours(self, kind: str, prompt_tokens: float, generated_tokens: float, startup: bool = True) -> float:
        rates = self.cost["throughput"][kind]
        seconds = (_v(rates.get("startup_s", 0)) if startup else 0) + prompt_tokens / _v(rates["prefill"])
        seconds += generated_tokens / _v(rates["decode"]) if generated_tokens else 0
        return seconds / 3600 * _v(rates["gpus"])

    def generate(self, benchmark: str, kind: str = "small", startup: bool = True, limit: int | None = None) -> RuleCost:
        items, prompt, output = self.benchmark_size(benchmark, limit)
        p, g = items * prompt, items * output
        return RuleCost(1, 0, p, g, self._gpu_hours(kind, p, g, startup))

    def score_mmlu(self, benchmark: str, startup: bool = True) -> RuleCost:
        items, prompt, _ = self.benchmark_size(benchmark)
        p = items * prompt
        return RuleCost(1, 0, p, 0, self._gpu_hours("mmlu", p, 0, startup))

    def evaluate_model(self) -> RuleCost:
        """One model on every benchmark in one job: one start-up, then each benchmark's tokens."""
        total = RuleCost(1, 0, 0, 0, self._gpu_hours("small", 0, 0))
        parts = [self.generate(b, startup=False) for b in self.config["benchmarks"] if b not in MMLU_BENCHMARKS]
        parts += [self.score_mmlu(b, startup=False) for b in self.config["benchmarks"] if b in MMLU_BENCHMARKS]
        for part in parts:
            total.prompt_tokens += part.prompt_tokens
            total.generated_tokens += part.generated_tokens
            total.gpu_hours += part.gpu_hours
        return total

    def judge_arena(self) -> RuleCost:
        arena = self.config["benchmarks"]["ru_arena_hard"]
        references = len(arena.get("reference_answers", {})) + len(arena.get("generated_references", {}))
        items, prompt_q, answer = self.benchmark_size("ru_arena_hard")
        judge = self.cost["judge"]
        games = items * references * _v(judge["orders"])
        output = _v(judge["output"])
        if self.config["judge"].get("arena_protocol", "llmtf") == "llmtf":
            output = 1.0  # the llmtf protocol reads the judge's next-token probabilities: one token per game
        elif self.config["judge"].get("max_new_tokens"):
            output = min(output, float(self.config["judge"]["max_new_tokens"]))
        p, g = games * _v(judge["prompt"]), games * output
        if self.config["judge"].get("backend") == "openai":
            return RuleCost(1, 0, p, g, 0.0)  # served elsewhere: tokens, no GPU time of ours
        return RuleCost(1, 0, p, g, self._gpu_hours("judge", p, g))

    def job_cost(self, job: Job) -> RuleCost:
        w = job.wildcards
        cost = {  # the COSTED_RULES
            "train": lambda: self.train(w.get("experiment", "?")),
            "judge_dataset": lambda: self.judge_dataset(w["dataset"]),
            "generate_rejected": lambda: self.generate_rejected(w["recipe"]),
            "evaluate_model": self.evaluate_model,
            "generate_reference": lambda: self.generate("ru_arena_hard", "reference"),
            "judge_arena": self.judge_arena,
            "check_score": lambda: self.generate(w["benchmark"], limit=self.config["checks"]["limit"]),
        }.get(job.rule)
        return cost() if cost else RuleCost(jobs=1, known=job.rule in KNOWN_CHEAP_RULES)

    def estimate(self, jobs: list[Job]) -> dict[str, RuleCost]:
        per_rule: dict[str, RuleCost] = {}
        for job in jobs:
            cost = self.job_cost(job)
            total = per_rule.setdefault(job.rule, RuleCost(known=cost.known))
            total.jobs += 1
            total.train_tokens += cost.train_tokens
            total.prompt_tokens += cost.prompt_tokens
            total.generated_tokens += cost.generated_tokens
            total.gpu_hours += cost.gpu_hours
        return per_rule


# The rules that cost GPU time or tokens (Estimator.job_cost), and those with none by design (CPU steps);
# a rule in neither is flagged as unknown. tests/unit/test_estimate.py checks that every rule is in one.
COSTED_RULES = {
    "train",
    "judge_dataset",
    "generate_rejected",
    "evaluate_model",
    "generate_reference",
    "judge_arena",
    "check_score",
}
KNOWN_CHEAP_RULES = {
    "training_recipe",
    "base_model",
    "prepare_benchmark",
    "normalise_dataset",
    "prepare_recipe",
    "take_fraction",
    "score_text",
    "score_arena",
    "table",
    "all_tables",
    "report",
    "merge_adapter",
    "check_benchmark",
    "pipeline_checks",
}


def _human(n: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f}{unit}"
    return f"{n:.0f}"


def format_estimate(
    target: str, scale: str, per_rule: dict[str, RuleCost], cost: dict[str, Any], cost_path: str, warnings: list[str]
) -> str:
    header = f"{'rule':<22} {'jobs':>5} {'train tok':>10} {'prompt tok':>11} {'gen tok':>10} {'A100-h':>9}"
    lines = [
        f"estimate of {target_path(target)} at scale {scale} ({cost.get('gpu', 'A100')}; cost model {cost_path})",
        header,
    ]
    total = RuleCost()
    for rule, c in per_rule.items():
        mark = "" if c.known else "  (unknown rule: counted, no tokens)"
        lines.append(
            f"{rule:<22} {c.jobs:>5} {_human(c.train_tokens):>10} {_human(c.prompt_tokens):>11} "
            f"{_human(c.generated_tokens):>10} {c.gpu_hours:>9.1f}{mark}"
        )
        total.jobs += c.jobs
        total.train_tokens += c.train_tokens
        total.prompt_tokens += c.prompt_tokens
        total.generated_tokens += c.generated_tokens
        total.gpu_hours += c.gpu_hours
    lines.append(
        f"{'total':<22} {total.jobs:>5} {_human(total.train_tokens):>10} {_human(total.prompt_tokens):>11} "
        f"{_human(total.generated_tokens):>10} {total.gpu_hours:>9.1f}"
    )
    lines += [f"warning: {w}" for w in dict.fromkeys(warnings)]
    lines.append("assumptions (value: source):")
    lines += [f"  {key} = {value}: {source}" for key, value, source in assumptions(cost)]
    return "\n".join(lines)


def summary_json(per_rule: dict[str, RuleCost]) -> dict[str, Any]:
    rules = {
        rule: {
            "jobs": c.jobs,
            "train_tokens": round(c.train_tokens),
            "prompt_tokens": round(c.prompt_tokens),
            "generated_tokens": round(c.generated_tokens),
            "a100_hours": round(c.gpu_hours, 2),
            "known": c.known,
        }
        for rule, c in per_rule.items()
    }
    totals = {
        k: sum(r[k] for r in rules.values()) for k in ("jobs", "train_tokens", "prompt_tokens", "generated_tokens")
    }
    totals["a100_hours"] = round(sum(c.gpu_hours for c in per_rule.values()), 2)
    return {"rules": rules, "total": totals}


def parse_config_args(pairs: list[str]) -> dict[str, Any]:
    """--config KEY=VALUE pairs as Snakemake reads them (values parsed as YAML)."""
    extra: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise RualignError(f"--config {pair!r}: expected KEY=VALUE")
        try:
            extra[key] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise RualignError(f"--config {pair!r}: value is not valid YAML ({err})") from None
    return extra


def add_arguments(parser) -> None:
    parser.add_argument("target", help="results/tables/<table>.tex, a table id, or 'all'")
    parser.add_argument("--scale", default="paper", help="scale preset to estimate (default paper)")
    parser.add_argument("--config", nargs="*", default=[], metavar="KEY=VALUE", help="as snakemake --config")
    parser.add_argument("--cost-model", type=Path, default=DEFAULT_COST_MODEL, help="throughput/size assumptions")
    parser.add_argument("--jobs-from", type=Path, help="a saved `snakemake -n` printout instead of running one")
    parser.add_argument("--directory", type=Path, default=ROOT, help="workflow directory (default: this checkout)")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")


def run_cli(args) -> int:
    cost = load_cost_model(args.cost_model)
    config_args = [f"scale={args.scale}", *[a for a in args.config if not a.startswith("scale=")]]
    extra = parse_config_args(config_args)
    config = config_mod.load(args.directory / "config.yaml", extra)
    if args.jobs_from:
        if not args.jobs_from.is_file():
            raise RualignError(f"{args.jobs_from}: file not found")
        text = args.jobs_from.read_text(encoding="utf-8")
    else:
        text = dry_run(args.target, config_args, args.directory)
    jobs = parse_dry_run(text)
    if not jobs and "Nothing to be done" not in text:
        raise RualignError("the dry run printed no jobs (is the target right?)")
    estimator = Estimator(config, cost)
    per_rule = estimator.estimate(jobs)
    if args.json:
        print(
            json.dumps(
                {
                    "target": target_path(args.target),
                    "scale": args.scale,
                    **summary_json(per_rule),
                    "warnings": estimator.warnings,
                },
                indent=2,
            )
        )
    else:
        print(format_estimate(args.target, args.scale, per_rule, cost, str(args.cost_model), estimator.warnings))
    return 0
