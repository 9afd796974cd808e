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

from rualign.experiments import LineageError, ancestors
from rualign.io import RualignError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "config" / "schema" / "config.schema.yaml"
SCALES_DIR = ROOT / "config" / "scales"


class ConfigError(RualignError):
    """The configuration is invalid; the message names the key."""


def deep_merge(base: dict[str, Any], update: dict[str, Any], null_deletes: bool = False) -> dict[str, Any]:
    """Recursively merge `update` over `base` (dicts merge, everything else is replaced).

    With `null_deletes` (how `overrides` merge), a null value removes the key from `base`, so an
    override can drop a preset entry (`generated_references: {Qwen2.5-32B-Instruct: null}`); the
    schema default then applies.
    """
    merged = copy.deepcopy(base)
    for key, value in update.items():
        if value is None and null_deletes:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value, null_deletes)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# ---------------------------------------------------------------- strict YAML
class _StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping (merge keys `<<` may be overridden)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # SafeConstructor reports unhashable keys itself
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConfigError(
                f"{loader.rualign_path}:{line}: duplicate key '{key}' (first given on line {seen[key]}); "
                "YAML keeps only the last one, so remove or rename one of them"
            )
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: str | Path) -> Any:
    """Load a config YAML file strictly: a syntax error names file:line:column, a duplicate key file:line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read ({err})") from None
    loader = _StrictLoader(text)
    loader.rualign_path = str(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = " ".join(p for p in (err.context, err.problem) if p)
        raise ConfigError(f"{where}: not valid YAML ({problem})") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    finally:
        loader.dispose()


def check_files(paths) -> None:
    """Re-read the YAML files a run was given (config.yaml, --configfile) strictly.

    Snakemake loads them with a lenient loader (a repeated key silently keeps the last value);
    this raises ConfigError naming the file and line of a duplicate key or a syntax error.
    """
    for path in map(Path, paths):
        if not path.is_file():
            continue  # Snakemake reports a missing configfile itself
        if path.suffix == ".json":
            _check_json(path)
        else:
            read_yaml(path)


def _check_json(path: Path) -> None:
    """A JSON configfile (Snakemake accepts those too): duplicate keys are errors as in YAML."""
    import json

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ConfigError(f"{path}: duplicate key '{repeated[0]}'; JSON keeps only the last one")
        return dict(pairs)

    try:
        json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid JSON ({err})") from None


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
    if error.validator == "propertyNames" or (
        error.validator == "pattern" and error.relative_schema_path and "propertyNames" in error.schema_path
    ):
        return (
            f"{where}: name {error.instance!r} is not allowed (names become file paths and wildcards: "
            f"letters, digits, '.', '_', '-', starting with a letter or digit)"
        )
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
    for _ in range(100):  # each pass coerces the strings --config delivered for numbers/booleans/null
        errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
        if not [e for e in errors if _coerce(config, e)]:
            break
    if errors:
        raise ConfigError(f"{source}: invalid configuration:\n" + "\n".join(f"  - {_describe(e)}" for e in errors))
    _check_references(config, source)
    return config


def _coerce(config: dict[str, Any], error: jsonschema.ValidationError) -> bool:
    """Snakemake's --config KEY={...} gives nested values as strings ('1', 'true', 'null'): where the
    schema wants another type (or an enum value) and the string parses as YAML to one, use that."""
    if error.validator not in ("type", "enum") or not isinstance(error.instance, str) or not error.absolute_path:
        return False
    try:
        value = yaml.safe_load(error.instance)
    except yaml.YAMLError:
        return False
    if isinstance(value, str | dict | list):
        return False
    if error.validator == "enum" and value not in error.validator_value:
        return False
    if error.validator == "type":
        jsonschema_types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        checker = jsonschema.Draft202012Validator.TYPE_CHECKER
        if not any(checker.is_type(value, t) for t in jsonschema_types):
            return False
    *parents, last = error.absolute_path
    node: Any = config
    for part in parents:
        node = node[part]
    node[last] = value
    return True


def check_local_files(config: dict[str, Any], root: str | Path) -> None:
    """Every local data file (`{path: ...}` of benchmarks and datasets) exists, relative to `root`.

    Checked while planning: a missing file would otherwise leave older prepared items in place.
    """
    from rualign.sources import local_paths

    problems = []
    for section in ("benchmarks", "datasets"):
        for key, path in local_paths(config.get(section) or {}, section).items():
            full = Path(path) if Path(path).is_absolute() else Path(root) / path
            if not full.is_file():
                problems.append(f"{key}.path: data file {path} does not exist (looked for {full})")
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _check_references(config: dict[str, Any], source: str) -> None:
    from rualign.benchmarks import BENCHMARKS, METRICS
    from rualign.checks import CHECK_METRICS

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
    for name in experiments:
        try:
            ancestors(experiments, name)
        except LineageError as err:
            problems.append(f"experiments.{name}: {err}")
    problems += _check_training(config)
    for name, exp in experiments.items():
        canary = exp.get("canary") or {}
        if canary and canary["metric"] not in METRICS:
            problems.append(f"experiments.{name}.canary.metric: unknown metric '{canary['metric']}'")
        elif canary and canary["metric"] not in CHECK_METRICS:
            problems.append(
                f"experiments.{name}.canary.metric: '{canary['metric']}' is not scored from the answers alone "
                f"(one of {', '.join(CHECK_METRICS)})"
            )
        elif canary and METRICS[canary["metric"]].benchmark not in config["benchmarks"]:
            problems.append(f"experiments.{name}.canary.metric: benchmark of '{canary['metric']}' is not configured")
        if canary and canary["against"] not in experiments:
            problems.append(f"experiments.{name}.canary.against: '{canary['against']}' is not an experiment")
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
    return problems or _selfgen_cycles(config)


def _selfgen_cycles(config: dict[str, Any]) -> list[str]:
    """A recipe whose rejected answers come from a model that (through its parents, or other self-generated
    recipes) is trained on that recipe: Snakemake would only say CyclicGraphException."""
    experiments, recipes = config["experiments"], config.get("data_recipes", {})

    def needs(node: tuple[str, str]) -> list[tuple[str, str]]:
        kind, name = node
        if kind == "recipe":
            generator = (recipes[name].get("rejected_generator") or {}).get("experiment")
            return [("experiment", generator)] if generator in experiments else []
        exp = experiments[name]
        out = [("experiment", exp["parent"])] if exp.get("parent") in experiments else []
        stage = exp.get("stage")
        return out + ([("recipe", stage["data"])] if stage and stage.get("data") in recipes else [])

    problems = []
    for name, recipe in recipes.items():
        if not recipe.get("rejected_generator"):
            continue
        path, stack, seen = None, [(("recipe", name), [name])], set()
        while stack and path is None:
            node, trail = stack.pop()
            for nxt in needs(node):
                if nxt == ("recipe", name):
                    path = trail
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt[1]]))
        if path:
            problems.append(
                f"data_recipes.{name}.rejected_generator.experiment: '{recipe['rejected_generator']['experiment']}' "
                f"is trained on '{name}' itself ({' -> '.join([*path, name])}): its rejected answers would need "
                "the model they train"
            )
    return problems


def load_preset(scale: str) -> dict[str, Any]:
    """The preset config/scales/<scale>.yaml; `scale` must be the name of one of those files."""
    known = sorted(p.stem for p in SCALES_DIR.glob("*.yaml"))
    if not isinstance(scale, str) or scale not in known:
        raise ConfigError(
            f"config: scale {scale!r} has no preset (a file name in {SCALES_DIR}; known scales: {', '.join(known)})"
        )
    preset = read_yaml(SCALES_DIR / f"{scale}.yaml") or {}
    if not isinstance(preset, dict):
        raise ConfigError(f"{SCALES_DIR / f'{scale}.yaml'}: expected a mapping of config keys")
    return preset


def resolve(user_config: dict[str, Any], source: str = "config.yaml") -> dict[str, Any]:
    """Merge the user's config over its scale preset, apply `overrides`, validate."""
    user = copy.deepcopy(dict(user_config))
    scale = user.get("scale", "tiny")
    merged = deep_merge(load_preset(scale), user)
    overrides = user.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"{source}: overrides must be a mapping, got {overrides!r}")
    merged = deep_merge(merged, overrides, null_deletes=True)
    return canonical_order(validate(merged, source))


def canonical_order(config: dict[str, Any]) -> dict[str, Any]:
    """The config with every mapping's keys sorted, except the list of tables (their order is the report's
    and the index's). Key order in the YAML files (or from merging several) then neither reruns a job
    (Snakemake compares params by their repr) nor reaches a step (e.g. the order of reference models)."""

    def ordered(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: ordered(value[key]) for key in sorted(value)}
        if isinstance(value, list):
            return [ordered(item) for item in value]
        return value

    tables = config.get("tables", {})
    return {**ordered(config), "tables": {name: ordered(spec) for name, spec in tables.items()}}


def load(path: str | Path = ROOT / "config.yaml", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Load config.yaml (as Snakemake would) and resolve it; `extra` plays the role of --config."""
    path = Path(path)
    user = read_yaml(path) or {}
    config = resolve(deep_merge(user, extra or {}), str(path))
    check_local_files(config, path.parent)
    return config
