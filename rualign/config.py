"""Load, merge and validate the workflow configuration.

Order of precedence (later wins): the scale preset config/scales/<scale>.yaml, then config.yaml
(plus any --configfile/--config the user gave Snakemake), then config.yaml's `overrides`.
The result is validated against config/schema/config.schema.yaml: defaults are filled in,
unknown keys and wrong types are errors that name the key.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from rualign.io import RualignError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "config" / "schema" / "config.schema.yaml"
SCALES_DIR = ROOT / "config" / "scales"


class ConfigError(RualignError):
    """The configuration is invalid; the message names the key."""


def deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge `update` over `base` (dicts merge, everything else is replaced)."""
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _with_defaults(validator_class):
    """A validator class that fills in schema defaults of missing properties while validating."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _describe(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        hint = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {', '.join(repr(e) for e in extra)} in {where}{hint}"
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        return f"{where}: give exactly one of path, hub or url (got {sorted(error.instance)})"
    return f"{where}: {error.message}"


def load_schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(config: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Fill defaults and validate; raise ConfigError listing every problem."""
    config = copy.deepcopy(config)
    schema = load_schema()
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(f"  - {_describe(e)}" for e in errors))
    _check_references(config, source)
    return config


def _check_references(config: dict[str, Any], source: str) -> None:
    from rualign.benchmarks import BENCHMARKS, METRICS

    problems = []
    models = config["models"]
    if config["base_model"] not in models:
        problems.append(f"base_model: '{config['base_model']}' is not in models ({', '.join(models)})")
    judge = config["judge"]
    if judge["backend"] == "local" and judge.get("model") not in models:
        problems.append(f"judge.model: '{judge.get('model')}' is not in models ({', '.join(models)})")
    if judge["backend"] == "openai" and not judge.get("base_url"):
        problems.append("judge.base_url: required when judge.backend is openai")
    if judge["backend"] == "openai" and judge["mode"] == "logprobs":
        problems.append("judge.mode: logprobs needs a local judge; use generate with an endpoint")
    arena = config["benchmarks"].get("ru_arena_hard", {})
    for ref, model in arena.get("generated_references", {}).items():
        if model not in models:
            problems.append(f"benchmarks.ru_arena_hard.generated_references.{ref}: '{model}' is not in models")
    missing = sorted(set(BENCHMARKS) - set(config["benchmarks"]))
    if missing:
        problems.append(f"benchmarks: the scale configures no {', '.join(missing)}")
    experiments = config["experiments"]
    for name, exp in experiments.items():
        seen, parent = {name}, exp.get("parent")
        while parent is not None:
            if parent not in experiments:
                problems.append(f"experiments.{name}: parent '{parent}' is not an experiment")
                break
            if parent in seen:
                problems.append(f"experiments.{name}: parent chain loops through '{parent}'")
                break
            seen.add(parent)
            parent = experiments[parent].get("parent")
    problems += _check_training(config)
    for table, spec in config["tables"].items():
        for column in spec["columns"]:
            if column not in experiments:
                problems.append(f"tables.{table}.columns: '{column}' is not an experiment")
        for metric in spec.get("metrics", []):
            if metric not in METRICS:
                problems.append(f"tables.{table}.metrics: unknown metric '{metric}' (known: {', '.join(METRICS)})")
    for table in config["report"].get("tables") or []:
        if table not in config["tables"]:
            problems.append(f"report.tables: '{table}' is not a table ({', '.join(config['tables'])})")
    if problems:
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _check_training(config: dict[str, Any]) -> list[str]:
    """Stages name existing recipes of the right kind; their merged trainer args are consistent."""
    from rualign.training import PREFERENCE_STAGES, check_args, stage_args

    problems = []
    datasets, recipes = config.get("datasets", {}), config.get("data_recipes", {})
    for name, recipe in recipes.items():
        dataset = datasets.get(recipe["dataset"])
        if dataset is None:
            problems.append(f"data_recipes.{name}.dataset: '{recipe['dataset']}' is not a dataset of the scale")
        elif recipe.get("ood_share") is not None and not dataset.get("ood_field"):
            problems.append(f"data_recipes.{name}.ood_share: dataset '{recipe['dataset']}' has no ood_field")
        elif recipe.get("rejected_generator") and dataset["kind"] != "preference":
            problems.append(f"data_recipes.{name}.rejected_generator: dataset '{recipe['dataset']}' has no pairs")
        generator = recipe.get("rejected_generator") or {}
        if generator and generator["experiment"] not in config["experiments"]:
            problems.append(
                f"data_recipes.{name}.rejected_generator.experiment: '{generator['experiment']}' is not an experiment"
            )
    for name, exp in config["experiments"].items():
        stage = exp.get("stage")
        if stage is None:
            if exp.get("parent") is not None:
                problems.append(f"experiments.{name}: has a parent but no stage (nothing to train)")
            continue
        recipe = recipes.get(stage["data"])
        if recipe is None:
            problems.append(f"experiments.{name}.stage.data: '{stage['data']}' is not a data recipe")
        elif recipe["dataset"] in datasets:
            kind = datasets[recipe["dataset"]]["kind"]
            wanted = "preference" if stage["type"] in PREFERENCE_STAGES else "chat"
            if kind != wanted:
                problems.append(
                    f"experiments.{name}.stage: a {stage['type']} stage needs {wanted} data, "
                    f"recipe '{stage['data']}' gives {kind}"
                )
        try:
            check_args(stage["type"], stage_args(config, name))
        except RualignError as err:
            problems.append(f"experiments.{name}.stage: {err}")
    return problems


def load_preset(scale: str) -> dict[str, Any]:
    path = SCALES_DIR / f"{scale}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SCALES_DIR.glob("*.yaml")))
        raise ConfigError(f"config: scale '{scale}' has no preset {path} (known scales: {known})")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def resolve(user_config: dict[str, Any], source: str = "config.yaml") -> dict[str, Any]:
    """Merge the user's config over its scale preset, apply `overrides`, validate."""
    user = copy.deepcopy(dict(user_config))
    scale = user.get("scale", "tiny")
    merged = deep_merge(load_preset(scale), user)
    merged = deep_merge(merged, user.get("overrides") or {})
    return validate(merged, source)


def load(path: str | Path = ROOT / "config.yaml", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Load config.yaml (as Snakemake would) and resolve it; `extra` plays the role of --config."""
    path = Path(path)
    try:
        user = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    return resolve(deep_merge(user, extra or {}), str(path))
