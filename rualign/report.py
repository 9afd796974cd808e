"""The thesis-style report: results/report/ (LaTeX, PDF where a TeX engine exists, HTML, figures).

Everything in it is computed from the built tables' provenance (which score files they used), the
score JSONs, the published numbers, the measured data statistics (results/data/*/stats.json, when
training ran) and the resolved configuration. Conclusions are drawn by code from reproduced numbers.
Templates live in report/ (Jinja; LaTeX uses ((* *)) / ((( ))) delimiters to keep braces free).
"""

from __future__ import annotations

import datetime as dt
import glob
import json
import logging
import math
import re
import shutil
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import yaml

from rualign import checks as checks_mod
from rualign import protocol
from rualign.audit import raw_sources
from rualign.benchmarks import METRICS
from rualign.experiments import ancestors, is_trained, model_is_trained
from rualign.io import RualignError, atomic_path, read_json, write_json_atomic, write_text_atomic
from rualign.provenance import Provenance
from rualign.tables import fmt, latex_escape, load_published

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "report"
SECTIONS = ["Setup", "Datasets", "Methods", "Protocol", "Results", "Assumptions", "Errata", "Conclusions"]


# ---------------------------------------------------------------- gathering
def table_scores(table_path: Path, root: Path) -> tuple[dict[str, Any], dict[str, dict[str, dict]], list[Path]]:
    """(table spec, {experiment: {metric: block}}, score files) of one built table, via its provenance."""
    prov_path = table_path.with_suffix(".provenance.json")
    if not prov_path.is_file():
        raise RualignError(f"{table_path}: no provenance ({prov_path} missing); rebuild the table")
    prov = read_json(prov_path)
    scores: dict[str, dict[str, dict]] = {}
    files = []
    for name, entry in sorted(prov.get("inputs", {}).items()):
        if not name.startswith("score"):
            continue
        path = root / entry["path"]
        doc = read_json(path)
        if not isinstance(doc, dict) or "experiment" not in doc or "metrics" not in doc:
            raise RualignError(f"{path}: not a score file (expected experiment and metrics)")
        files.append(path)
        for metric, block in doc["metrics"].items():
            scores.setdefault(doc["experiment"], {})[metric] = {**block, "standin": doc.get("standin", False)}
    return prov.get("config", {}), scores, files


def data_stats(root: Path) -> list[dict[str, Any]]:
    """Measured statistics of every prepared training data recipe (results/data/<recipe>/stats.json)."""
    found = []
    for path in sorted(glob.glob(str(root / "results/data/*/stats.json"))):
        try:
            stats = read_json(path)
        except RualignError as err:
            log.warning("skipping %s", err)
            continue
        if isinstance(stats, dict):
            found.append({"recipe": Path(path).parent.name, "path": str(Path(path).relative_to(root)), "stats": stats})
    return found


DATASET_NAMES = {  # display names of the thesis's datasets (tiny stand-ins share the hub schema and name)
    "grandmaster_pro_max": "GrandMaster-PRO-MAX",
    "saiga_scored": "Saiga Scored",
    "grounded_rag_ru_v2": "Grounded-RAG-RU-v2",
    "saiga_preferences": "Saiga Preferences",
}
STAGE_NAMES = {"sft": "LoRA SFT", "simpo": "SimPO", "dpo": "DPO", "kto": "KTO", "orpo": "ORPO"}


def dataset_name(dataset: str | None, config: dict[str, Any]) -> str:
    """A dataset's display name: the known thesis name, else its hub repository name, else its key."""
    if not dataset:
        return "?"
    if dataset in DATASET_NAMES:
        return DATASET_NAMES[dataset]
    source = (config.get("datasets", {}).get(dataset) or {}).get("source") or {}
    repo = source.get("hub") or source.get("repo_id") if isinstance(source, dict) else None
    return str(repo).rsplit("/", 1)[-1] if repo else dataset


def _num(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "--" if value is None else str(value)
    return str(value) if isinstance(value, int) else f"{value:g}"


def data_table(stats: list[dict[str, Any]], config: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per prepared recipe: dataset, rows read / bad, rows in, each filter's kept/dropped,
    train / validation rows, tokens per training example (mean / p95). Reads the keys that
    rualign.training_data writes to results/data/<recipe>/stats.json and tolerates any of them missing."""
    rows = []
    for entry in stats:
        s = entry["stats"] if isinstance(entry.get("stats"), dict) else {}
        recipe = str(s.get("recipe") or entry["recipe"])
        dataset = s.get("dataset") or (config.get("data_recipes", {}).get(recipe) or {}).get("dataset")
        norm = s.get("normalise") if isinstance(s.get("normalise"), dict) else {}
        bad = norm.get("bad_rows_dropped")
        bad_n = sum(v for v in bad.values() if isinstance(v, int)) if isinstance(bad, dict) else None
        filters = []
        for f in s.get("filters") or []:
            if not isinstance(f, dict):
                continue
            extra = []
            if isinstance(f.get("dropped_by"), dict) and f["dropped_by"]:
                extra.append(", ".join(f"{k} {v}" for k, v in f["dropped_by"].items()))
            if f.get("ood_kept") is not None:
                extra.append(f"ood kept {f['ood_kept']}")
            filters.append(
                {
                    "name": _filter_name(str(f.get("filter", "?"))),
                    "kept": _num(f.get("kept")),
                    "dropped": _num(f.get("dropped")),
                    "extra": "; ".join(extra),
                }
            )
        tokens = s.get("train_tokens_per_example") if isinstance(s.get("train_tokens_per_example"), dict) else {}
        histogram = s.get("judge_score_histogram")
        rows.append(
            {
                "dataset": dataset_name(dataset, config),
                "recipe": recipe,
                "path": entry.get("path", ""),
                "rows_read": _num(norm.get("rows_read")),
                "bad_rows": _num(bad_n),
                "rows_in": _num(s.get("rows_in")),
                "filters": filters,
                "train": _num(s.get("train_rows")),
                "validation": _num(s.get("validation_rows")),
                "tokens_mean": _num(tokens.get("mean")),
                "tokens_p95": _num(tokens.get("p95")),
                "judge_histogram": (
                    ", ".join(f"{k}: {v}" for k, v in histogram.items()) if isinstance(histogram, dict) else ""
                ),
            }
        )
    return sorted(rows, key=lambda r: (r["dataset"], r["recipe"]))


def _plain(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _filter_name(name: str) -> str:
    """training_data's filter label, with a printed Python dict or list shown as plain text."""
    import ast

    match = re.fullmatch(r"(.*?)\s*([{\[].*[}\]])(.*)", name)
    if not match:
        return name
    try:
        value = ast.literal_eval(match.group(2))
    except (ValueError, SyntaxError):
        return name
    if isinstance(value, dict):
        shown = ", ".join(f"{k} = {_plain(v)}" for k, v in value.items())
    elif isinstance(value, list):
        shown = "{" + ", ".join(map(str, value)) + "}"
    else:
        return name
    return f"{match.group(1)} {shown}{match.group(3)}".strip()


def recipe_text(recipe: dict[str, Any]) -> str:
    """A data recipe's filters in words (plain text; the templates escape it)."""
    return "; ".join(recipe_parts(recipe)) or "all rows"


def recipe_parts(recipe: dict[str, Any]) -> list[str]:
    """A data recipe's filters, one phrase each, in the order they apply."""
    parts = []
    if recipe.get("meta_equals"):
        parts.append("rows with " + ", ".join(f"{k} = {_plain(v)}" for k, v in recipe["meta_equals"].items()))
    if recipe.get("min_opus_score") is not None:
        parts.append(f"opus_score >= {recipe['min_opus_score']}")
    if recipe.get("judge_scores") is not None:
        parts.append("judge score " + " or ".join(map(str, recipe["judge_scores"])) + " of 5")
    if recipe.get("ood_share") is not None:
        parts.append(f"{100 * recipe['ood_share']:g} % out-of-domain rows")
    if recipe.get("max_length_ratio") is not None:
        unit = "characters" if recipe.get("length_unit") == "chars" else "tokens"
        text = f"chosen at most {recipe['max_length_ratio']}x as long as rejected ({unit}"
        if recipe.get("length_ratio_keep_share"):
            text += f"; {100 * recipe['length_ratio_keep_share']:g} % of longer pairs kept"
        parts.append(text + ")")
    generator = recipe.get("rejected_generator")
    if isinstance(generator, dict):
        parts.append(
            f"rejected answers sampled from {generator.get('experiment', '?')} (temperature "
            f"{generator.get('temperature', '?')}, top_p {generator.get('top_p', '?')})"
        )
    return parts


def _family_key(spec: dict[str, Any], config: dict[str, Any]) -> tuple:
    stage = spec.get("stage") if is_trained(spec) else None
    if stage is None:
        return ("untrained", spec.get("parent"))
    recipe = config.get("data_recipes", {}).get(stage.get("data"), {}) or {}
    return (
        "trained",
        spec.get("parent"),
        stage.get("type"),
        recipe.get("dataset", stage.get("data")),
        bool(recipe.get("rejected_generator")),
    )


def methods(config: dict[str, Any], ids: list[str]) -> dict[str, Any]:
    """Families of experiments (same parent, stage type and dataset) in prose, one settings row per
    experiment, the stage types' default hyperparameters, and each assumption once with its experiments."""
    experiments = config.get("experiments", {})
    recipes = config.get("data_recipes", {})
    groups: dict[tuple, list[str]] = {}
    for exp in ids:
        groups.setdefault(_family_key(experiments.get(exp, {}) or {}, config), []).append(exp)
    families = []
    for key, members in groups.items():
        specs = [experiments.get(e, {}) or {} for e in members]
        if key[0] == "untrained":
            parent = key[1]
            text = (
                f"the model of {parent}, evaluated again without further training"
                if parent
                else f"the base model {config.get('base_model', '?')} as released, no training"
            )
            families.append({"name": "Untrained", "text": text, "members": members})
            continue
        _, parent, stage_type, dataset, selfgen = key
        stages = [s["stage"] for s in specs]
        fractions = sorted({int(s.get("fraction", 100)) for s in stages})
        used = list(dict.fromkeys(str(s.get("data")) for s in stages))
        name = f"{STAGE_NAMES.get(stage_type, stage_type)} on {dataset_name(dataset, config)}"
        if selfgen:
            name += ", self-generated rejected answers"
        if parent:
            name += f", after {parent}"
        parts = {r: recipe_parts(recipes.get(r, {}) or {}) for r in used}
        common = [x for x in parts[used[0]] if all(x in parts[r] for r in used)]
        text = (
            f"{STAGE_NAMES.get(stage_type, str(stage_type))} of {parent or 'the base model'} on "
            f"{'/'.join(map(str, fractions))} % of {dataset_name(dataset, config)}; "
            + ("recipe " if len(used) == 1 else "recipes ")
            + ", ".join(used)
            + (f": {'; '.join(common)}" if common else (": all rows" if not any(parts.values()) else ""))
        )
        if len(used) > 1:
            text += "".join(
                f"; {r}: {'; '.join(x for x in parts[r] if x not in common)}"
                for r in used
                if any(x not in common for x in parts[r])
            )
        varied = {}
        for s in stages:
            for arg, value in sorted((s.get("args") or {}).items()):
                varied.setdefault(arg, [])
                if value not in varied[arg]:
                    varied[arg].append(value)
        if varied:
            text += "; " + ", ".join(f"{arg} {'/'.join(map(str, vals))}" for arg, vals in varied.items())
        families.append({"name": name, "text": text, "members": members})
    settings = []
    for exp in ids:
        spec = experiments.get(exp, {}) or {}
        stage = spec["stage"] if is_trained(spec) else {}
        settings.append(
            {
                "id": exp,
                "parent": spec.get("parent") or ("base model" if stage else "--"),
                "stage": stage.get("type", "--") if stage else "--",
                "recipe": stage.get("data", "--") if stage else "--",
                "fraction": str(stage.get("fraction", 100)) if stage else "--",
                "args": ", ".join(f"{k} {_plain(v)}" for k, v in sorted((stage.get("args") or {}).items())) or "--",
                "description": spec.get("description", ""),
            }
        )
    stage_defaults = []
    types = list(dict.fromkeys(s["stage"] for s in settings if s["stage"] != "--"))
    for stage_type in types:
        defaults = (config.get("training", {}).get("stages", {}) or {}).get(stage_type) or {}
        if defaults:
            shown = ", ".join(f"{k} {_plain(v)}" for k, v in defaults.items() if v is not None)
            stage_defaults.append({"type": stage_type, "text": shown})
    lora = config.get("training", {}).get("lora") or {}
    assumptions: dict[str, list[str]] = {}
    for exp in ids:
        for text in (experiments.get(exp, {}) or {}).get("assumptions") or []:
            assumptions.setdefault(str(text), [])
            if exp not in assumptions[str(text)]:
                assumptions[str(text)].append(exp)
    return {
        "families": families,
        "settings": settings,
        "stage_defaults": stage_defaults,
        "lora": ", ".join(f"{k} {v}" for k, v in lora.items() if v is not None) if types else "",
        "any_trained": bool(types),
        "assumptions": [{"text": t, "experiments": e} for t, e in assumptions.items()],
    }


def fraction_of(experiment: str, config: dict[str, Any]) -> tuple[str, float] | None:
    """(family, data fraction in %) of a trained experiment. A family is the runs that differ only in
    their stage's `fraction` (same parent, stage type, recipe and args): GM 60/80/100, Saiga 20-100..."""
    spec = config.get("experiments", {}).get(experiment, {})
    stage = spec.get("stage")
    if not stage or stage.get("fraction") is None:
        return None
    details = [stage["type"], *(f"{k} {v}" for k, v in sorted(stage.get("args", {}).items()))]
    if spec.get("parent"):
        details.append(f"after {spec['parent']}")
    return f"{stage['data']} ({', '.join(details)})", float(stage["fraction"])


def _length_tokens(label: str, lengths: dict[str, Any]) -> float | None:
    if label in lengths and isinstance(lengths[label], int | float):
        return float(lengths[label])
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kK]?)", str(label))
    if match:
        return float(match.group(1)) * (1024 if match.group(2) else 1)
    return None


# ---------------------------------------------------------------- analysis (conclusions by code)
def compare_table(spec: dict[str, Any], scores: dict, published: dict) -> dict[str, Any]:
    """Rows (metric x column: reproduced, paper, delta), best columns and trend agreement."""
    columns, metrics = spec["columns"], spec.get("metrics", list(METRICS))
    rows = []
    best, agreement = [], []
    for metric in metrics:
        cells = []
        for column in columns:
            block = scores.get(column, {}).get(metric)
            value = block["value"] if block else None
            paper = published.get(column, {}).get(metric)
            delta = None if value is None or paper is None else value - paper
            cells.append(
                {
                    "column": column,
                    "value": value,
                    "paper": paper,
                    "delta": delta,
                    "ci95": _ci(block),
                    "ci": _ci_text(metric, _ci(block)),
                    "standin": bool((block or {}).get("standin")),
                    "v": fmt(metric, value),
                    "p": fmt(metric, paper),
                    "d": fmt(metric, delta, signed=True),
                }
            )
        rows.append(
            {
                "metric": metric,
                "label": METRICS[metric].label,
                "html_label": _html_label(metric),
                "cells": cells,
                "has_ci": any(c["ci"] for c in cells),
            }
        )
        for cell in cells:
            cell["best_v"] = cell["best_p"] = False
        if len(columns) > 1:
            direction = METRICS[metric].higher_is_better if metric in METRICS else True
            repr_vals = {c["column"]: c["value"] for c in cells if c["value"] is not None}
            paper_vals = {c["column"]: c["paper"] for c in cells if c["paper"] is not None}
            pick = max if direction is not False else min
            if direction is not None:  # bold in the tables: best reproduced and best published value
                for key, vals in (("best_v", repr_vals), ("best_p", paper_vals)):
                    if len(vals) > 1:
                        top = pick(vals.values())
                        for cell in cells:
                            cell[key] = cell["column"] in vals and vals[cell["column"]] == top
            if repr_vals and direction is not None:
                best.append(
                    {
                        "metric": metric,
                        "label": METRICS[metric].label,
                        "reproduced": pick(repr_vals, key=repr_vals.get),
                        "paper": pick(paper_vals, key=paper_vals.get) if paper_vals else None,
                    }
                )
            common = [c for c in columns if c in repr_vals and c in paper_vals]
            if len(common) >= 2:
                first = common[0]
                signs = [
                    (_sign(repr_vals[c] - repr_vals[first]), _sign(paper_vals[c] - paper_vals[first]))
                    for c in common[1:]
                ]
                agreement.append(
                    {
                        "metric": metric,
                        "label": METRICS[metric].label,
                        "agree": sum(a == b for a, b in signs),
                        "of": len(signs),
                        "rho": spearman([repr_vals[c] for c in common], [paper_vals[c] for c in common]),
                    }
                )
    for entry in best:
        entry["same"] = entry["reproduced"] == entry["paper"]
    return {"rows": rows, "best": best, "agreement": agreement}


def _ci(block: dict | None) -> tuple[float, float] | None:
    """The 95 % CI of a score block when it has a well-formed one ([low, high], both numbers)."""
    ci = (block or {}).get("ci95")
    if isinstance(ci, list | tuple) and len(ci) == 2 and all(isinstance(x, int | float) for x in ci):
        return float(ci[0]), float(ci[1])
    return None


def _ci_text(metric: str, ci: tuple[float, float] | None) -> str:
    return f"[{fmt(metric, ci[0])}, {fmt(metric, ci[1])}]" if ci else ""


def _plain_label(metric: str) -> str:
    """A metric's label for figures (matplotlib mathtext renders the arrow)."""
    return METRICS[metric].label if metric in METRICS else metric


def _html_label(metric: str) -> str:
    return METRICS[metric].label.replace("$\\rightarrow$", "&rarr;")


def _sign(x: float, eps: float = 1e-12) -> int:
    return 0 if abs(x) <= eps else (1 if x > 0 else -1)


def spearman(a: list[float], b: list[float]) -> float | None:
    """Spearman rank correlation (average ranks for ties); None for fewer than 3 points or no spread."""
    if len(a) < 3:
        return None

    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out

    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = math.sqrt(sum((x - ma) ** 2 for x in ra))
    vb = math.sqrt(sum((y - mb) ** 2 for y in rb))
    return None if va == 0 or vb == 0 else cov / (va * vb)


def conclusions(tables: list[dict[str, Any]], scale: str) -> list[str]:
    """Statements drawn from the reproduced numbers (plain text; escaped by the templates)."""
    out = []
    if scale != "paper":
        out.append(
            f"These numbers come from the '{scale}' scale (a small model and data subsets): they test the "
            "pipeline, not the thesis's claims; magnitudes are not comparable with the paper."
        )
    pairs = [
        (cell["value"], cell["paper"], row["metric"])
        for t in tables
        for row in t["comparison"]["rows"]
        for cell in row["cells"]
        if cell["value"] is not None and cell["paper"] is not None
    ]
    bounded = [(v, p) for v, p, m in pairs if m != "answer_length"]
    if bounded:
        within = sum(abs(v - p) <= 0.02 for v, p in bounded)
        mean_abs = sum(abs(v - p) for v, p in bounded) / len(bounded)
        out.append(
            f"{within} of {len(bounded)} reproduced score cells (answer length excluded) are within 0.02 of the "
            f"published value; mean absolute difference {mean_abs:.3f}."
        )
        worst_v, worst_p, worst_m = max(
            ((v, p, m) for v, p, m in pairs if m != "answer_length"), key=lambda x: abs(x[0] - x[1])
        )
        out.append(
            f"Largest gap: {METRICS[worst_m].label} "
            f"(reproduced {fmt(worst_m, worst_v)}, paper {fmt(worst_m, worst_p)})."
        )
    for t in tables:
        comp = t["comparison"]
        for entry in comp["best"]:
            if entry["metric"] in ("judge_winrate",):
                verdict = "as in the paper" if entry["same"] else f"the paper's best is {entry['paper']}"
                out.append(f"{t['id']}: best {entry['label']} is {entry['reproduced']} ({verdict}).")
        if comp["agreement"]:
            agree = sum(a["agree"] for a in comp["agreement"])
            total = sum(a["of"] for a in comp["agreement"])
            out.append(
                f"{t['id']}: the direction of change against {t['columns'][0]} agrees with the paper in "
                f"{agree} of {total} (metric, column) comparisons."
            )
    lengths = [
        (cell["value"], win["value"])
        for t in tables
        for row in t["comparison"]["rows"]
        if row["metric"] == "answer_length"
        for cell in row["cells"]
        for wrow in t["comparison"]["rows"]
        if wrow["metric"] == "judge_winrate"
        for win in wrow["cells"]
        if win["column"] == cell["column"] and cell["value"] is not None and win["value"] is not None
    ]
    unique = list(dict.fromkeys(lengths))
    rho = spearman([x for x, _ in unique], [y for _, y in unique])
    if rho is not None:
        out.append(
            f"Across {len(unique)} runs, judge score and mean answer length have Spearman correlation "
            f"{rho:+.2f} (the thesis notes that longer answers tend to win)."
        )
    return out


# ---------------------------------------------------------------- figures
def pooled_scores(tables: list[dict[str, Any]]) -> dict[str, dict[str, dict]]:
    """{experiment: {metric: score block}} over all built tables (a run shown in several tables once)."""
    runs: dict[str, dict[str, dict]] = {}
    for t in tables:
        for experiment, metrics in t["scores"].items():
            runs.setdefault(experiment, {}).update(metrics)
    return runs


def _err(block: dict, value: float) -> list[float]:
    """Error-bar half-lengths [below, above] of a value from its block's 95 % CI (0 without one)."""
    ci = _ci(block)
    return [max(0.0, value - ci[0]), max(0.0, ci[1] - value)] if ci else [0.0, 0.0]


def _legend_outside(ax, **kwargs) -> None:
    """A legend right of the axes, never over the data (savefig uses bbox_inches='tight')."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=7, frameon=False, **kwargs)


def figure_fraction(plt, runs: dict, published: dict, config: dict[str, Any]):
    """Judge score against data fraction, one line per family (reproduced with CIs, paper dashed)."""
    families: dict[str, list[tuple[float, str]]] = {}
    for experiment in runs:
        found = fraction_of(experiment, config)
        if found and "judge_winrate" in runs[experiment]:
            families.setdefault(found[0], []).append((found[1], experiment))
    families = {k: sorted(v) for k, v in families.items() if len(v) >= 2}
    if not families:
        return None, "no family of runs that differ only in data fraction has two or more runs here"
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    handles = []
    for i, (family, points) in enumerate(sorted(families.items())):
        color = f"C{i % 10}"
        xs = [x for x, _ in points]
        blocks = [runs[e]["judge_winrate"] for _, e in points]
        ys = [b["value"] for b in blocks]
        errors = list(zip(*(_err(b, y) for b, y in zip(blocks, ys, strict=True)), strict=True))
        ax.errorbar(xs, ys, yerr=errors, fmt="o-", color=color, capsize=3, elinewidth=0.8)
        paper = [(x, published.get(e, {}).get("judge_winrate")) for x, e in points]
        paper = [(x, y) for x, y in paper if y is not None]
        if paper:
            ax.plot(*zip(*paper, strict=True), "s--", color=color, alpha=0.6)
        handles.append(Line2D([], [], color=color, lw=6, label=textwrap.fill(family, 38)))
    handles += [
        Line2D([], [], color="black", marker="o", label="reproduced (95 % CI)"),
        Line2D([], [], color="black", marker="s", ls="--", alpha=0.6, label="paper"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=7, frameon=False
    )
    ax.set_xlabel("data fraction, %")
    ax.set_ylabel("judge score")
    ax.grid(alpha=0.3)
    return fig, ""


MARKERS = "osD^vP*X<>"


def _style(i: int) -> tuple[str, str]:
    """(colour, marker) of the i-th series: unique for up to 100 series (10 colours x 10 markers)."""
    return f"C{i % 10}", MARKERS[(i // 10 + i) % len(MARKERS)]


def _place_labels(ax, points: list[tuple[float, float]], labels: list[str]) -> None:
    """Annotate each point with a short label, trying offsets until no two labels (nor a label and
    another point's marker) overlap in display space; the first free offset wins."""
    fig = ax.figure
    fig.canvas.draw()
    to_px = ax.transData.transform
    scale = fig.dpi / 72.0
    offsets = [(5, 4), (5, -11), (-5, 4), (-5, -11), (0, 10), (0, -16), (10, 12), (10, -20), (-10, 12), (-10, -20)]
    markers = [to_px(p) for p in points]
    placed: list[tuple[float, float, float, float]] = []
    for (x, y), label, (px, py) in zip(points, labels, markers, strict=True):
        width, height = 5.5 * len(label) * scale, 8.0 * scale
        choice = offsets[0]
        for dx, dy in offsets:
            left = px + dx * scale - (width if dx < 0 else 0)
            box = (left, py + dy * scale, left + width, py + dy * scale + height)
            hits_label = any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed)
            hits_marker = any(
                box[0] - 3 < mx < box[2] + 3 and box[1] - 3 < my < box[3] + 3
                for mx, my in markers
                if (mx, my) != (px, py)
            )
            if not hits_label and not hits_marker:
                choice = (dx, dy)
                placed.append(box)
                break
        else:
            left = px + choice[0] * scale
            placed.append((left, py + choice[1] * scale, left + width, py + choice[1] * scale + height))
        ax.annotate(
            label,
            (x, y),
            xytext=choice,
            textcoords="offset points",
            fontsize=7,
            ha="right" if choice[0] < 0 else "left",
            va="bottom",
        )


def figure_length(plt, runs: dict, published: dict, config: dict[str, Any]):
    """Judge score against mean answer length: numbered runs (legend maps numbers to names), CIs
    on both axes, the paper's value hollow where published."""
    points = [
        (e, m["answer_length"], m["judge_winrate"])
        for e, m in runs.items()
        if "answer_length" in m
        and "judge_winrate" in m
        and m["answer_length"].get("value") is not None
        and m["judge_winrate"].get("value") is not None
    ]
    if not points:
        return None, "no run has both judge_winrate and answer_length"
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for i, (e, length, win) in enumerate(points):
        color, marker = _style(i)
        x, y = length["value"], win["value"]
        ax.errorbar(
            [x],
            [y],
            xerr=[[v] for v in _err(length, x)],
            yerr=[[v] for v in _err(win, y)],
            fmt=marker,
            ms=5,
            color=color,
            capsize=2,
            elinewidth=0.7,
            alpha=0.9,
            label=f"{i + 1}  {e}",
        )
        p = published.get(e, {})
        if "answer_length" in p and "judge_winrate" in p:
            ax.scatter(
                [p["answer_length"]], [p["judge_winrate"]], marker=marker, s=30, facecolors="none", edgecolors=color
            )
    ax.set_xlabel("mean answer length, tokens")
    ax.set_ylabel("judge score")
    ax.grid(alpha=0.3)
    _legend_outside(ax, title="run", title_fontsize=7)
    _place_labels(ax, [(le["value"], w["value"]) for _, le, w in points], [str(i + 1) for i in range(len(points))])
    return fig, ""


def figure_libra(plt, runs: dict, published: dict, config: dict[str, Any]):
    """LIBRA ruBABILongQA accuracy (mean of QA1-5) against context length, one line per run."""
    curves = {}
    for experiment, metrics in runs.items():
        by_length: dict[float, list[float]] = {}
        for i in range(1, 6):
            block = metrics.get(f"babilong_qa{i}", {})
            lengths_cfg = config.get("benchmarks", {}).get(f"babilong_qa{i}", {}).get("lengths", {}) or {}
            for label, value in (block.get("per_length") or {}).items():
                tokens = _length_tokens(label, lengths_cfg)
                if tokens is not None and isinstance(value, int | float):
                    by_length.setdefault(tokens, []).append(float(value))
        if by_length:
            curves[experiment] = sorted((k, sum(v) / len(v)) for k, v in by_length.items())
    if not curves:
        return None, "no score file reports LIBRA accuracy per context length"
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    for i, (experiment, curve) in enumerate(curves.items()):
        color, marker = _style(i)
        ax.plot([x for x, _ in curve], [y for _, y in curve], marker=marker, color=color, label=experiment)
    ax.set_xscale("log", base=2)
    ticks = sorted({x for curve in curves.values() for x, _ in curve})
    ax.set_xticks(ticks, [f"{x / 1024:g}k" if x >= 1024 else f"{x:g}" for x in ticks])
    ax.minorticks_off()
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("context length, tokens")
    ax.set_ylabel("accuracy (mean QA1-5)")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return fig, ""


def figure_paper_vs_reproduced(plt, runs: dict, published: dict, config: dict[str, Any]):
    """Reproduced against published value of every cell (answer length excluded), CIs vertical."""
    cells = [
        (published[e][m], runs[e][m], m)
        for e in runs
        for m in runs[e]
        if m != "answer_length" and m in published.get(e, {}) and runs[e][m].get("value") is not None
    ]
    if not cells:
        return None, "no cell has both a reproduced and a published value"
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    metrics = sorted({m for _, _, m in cells}, key=lambda m: list(METRICS).index(m) if m in METRICS else 99)
    for i, metric in enumerate(metrics):
        xs = [p for p, _, m in cells if m == metric]
        blocks = [b for _, b, m in cells if m == metric]
        ys = [b["value"] for b in blocks]
        errors = list(zip(*(_err(b, y) for b, y in zip(blocks, ys, strict=True)), strict=True))
        color, marker = _style(i)
        label = _plain_label(metric)
        ax.errorbar(
            xs, ys, yerr=errors, fmt=marker, ms=4, capsize=2, elinewidth=0.6, alpha=0.8, color=color, label=label
        )
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8)
    ax.set_xlim(-0.03, 1.03)  # a little room: scores of exactly 0 or 1 (tiny scale) stay visible
    ax.set_ylim(-0.03, 1.03)
    ax.set_aspect("equal")
    ax.set_xlabel("paper")
    ax.set_ylabel("reproduced")
    ax.grid(alpha=0.3)
    _legend_outside(ax)
    return fig, ""


FIGURES = [
    (
        "fraction",
        figure_fraction,
        "LLM-as-a-Judge score against training-data fraction (solid with 95 % CI: reproduced, dashed: paper).",
    ),
    (
        "length_vs_winrate",
        figure_length,
        "Judge score against mean answer length (tokens), every run numbered as in the legend "
        "(filled with 95 % CIs: reproduced, hollow: paper).",
    ),
    (
        "libra_length",
        figure_libra,
        "LIBRA ruBABILongQA accuracy (mean of QA1-5) against context length, per model.",
    ),
    (
        "paper_vs_reproduced",
        figure_paper_vs_reproduced,
        "Reproduced (with 95 % CI) against published value for every table cell (answer length excluded); "
        "the line is y = x.",
    ),
]


def make_figures(out_dir: Path, tables: list[dict[str, Any]], config: dict[str, Any]) -> list[dict[str, str]]:
    """PNG figures (one function each, FIGURES); each skipped, with the reason, when its data is absent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    runs = pooled_scores(tables)
    published: dict[str, dict[str, float]] = {}
    for t in tables:
        for column in t["columns"]:
            published.setdefault(column, {}).update(t["published"].get(column, {}))
    figures = []
    for name, draw, caption in FIGURES:
        fig, why = draw(plt, runs, published, config)
        if fig is None:
            figures.append({"name": name, "file": "", "caption": caption, "skipped": why})
            continue
        fig.savefig(out_dir / f"{name}.png", dpi=130, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        figures.append({"name": name, "file": f"figures/{name}.png", "caption": caption, "skipped": ""})
    return figures


# ---------------------------------------------------------------- rendering
def _jinja(latex: bool):
    import jinja2

    options = dict(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    if latex:
        env = jinja2.Environment(
            block_start_string="((*",
            block_end_string="*))",
            variable_start_string="(((",
            variable_end_string=")))",
            comment_start_string="((=",
            comment_end_string="=))",
            autoescape=False,
            **options,
        )
        env.filters["e"] = tex_text
    else:
        env = jinja2.Environment(autoescape=True, **options)
    return env


_CYRILLIC_RUN = re.compile(r"[\u0400-\u04FF]+(?:[\s,.:;!?()-]+[\u0400-\u04FF]+)*")


def tex_text(text: Any) -> str:
    """LaTeX-escape text; Cyrillic runs are set in Russian (T2A), everything else in English (T1)."""
    escaped = latex_escape(str(text))
    return _CYRILLIC_RUN.sub(lambda m: "\\foreignlanguage{russian}{" + m.group(0) + "}", escaped)


def latex_engine(setting: str | bool) -> str | None:
    """The TeX engine to use: pdflatex when installed and allowed; error when required but missing."""
    if setting is False or setting == "never":
        return None
    found = shutil.which("pdflatex")
    if found is None and setting is True:
        raise RualignError("report.pdf is true but no pdflatex is installed (setup.sh --tex installs texlive)")
    return found


def compile_pdf(tex: Path, engine: str, out: Path) -> dict[str, Any]:
    """Run the engine twice (references, contents) in a scratch folder; move the PDF into place."""
    started = time.time()
    version = subprocess.run([engine, "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    with tempfile.TemporaryDirectory(prefix="rualign-tex-") as scratch:
        shutil.copy(tex, Path(scratch) / tex.name)
        figures = tex.parent / "figures"
        if figures.is_dir():
            shutil.copytree(figures, Path(scratch) / "figures")
        for _ in range(2):
            result = subprocess.run(
                [engine, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if result.returncode != 0:
                tail = "\n".join(result.stdout.splitlines()[-25:])
                raise RualignError(f"{tex}: {Path(engine).name} failed:\n{tail}")
        with atomic_path(out) as tmp:
            shutil.copy(Path(scratch) / tex.with_suffix(".pdf").name, tmp)
    return {
        "engine": engine,
        "engine_version": version[0] if version else None,
        "compile_s": round(time.time() - started, 2),
    }


def built_tables(
    config: dict[str, Any], tables: list[Path], published_path: Path, root: Path
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Each built table with its scores, the paper's numbers and their comparison; the score files read."""
    built, score_files = [], []
    for table_path in tables:
        table_id = table_path.stem
        spec, scores, files = table_scores(table_path, root)
        if not spec.get("columns"):
            spec = config.get("tables", {}).get(table_id, {})
        score_files += files
        published = load_published(published_path, table_id)
        built.append(
            {
                "id": table_id,
                "caption": spec.get("caption", table_id),
                "columns": spec.get("columns", []),
                "scores": scores,
                "published": published,
                "has_paper": bool(published),
                "comparison": compare_table(spec, scores, published),
            }
        )
    return built, score_files


def experiment_rows(config: dict[str, Any], ids: list[str]) -> list[dict[str, Any]]:
    """The report's experiments: description, lineage to the base model, trained or not, assumptions."""
    all_experiments = config.get("experiments", {})
    rows = []
    for column in ids:
        exp = all_experiments.get(column, {}) or {}
        chain = ancestors(all_experiments, column) if column in all_experiments else []
        rows.append(
            {
                "id": column,
                "description": exp.get("description", ""),
                "chain": " <- ".join([column, *chain, "base model"]),
                "trained": column in all_experiments and model_is_trained(all_experiments, column),
                "assumptions": exp.get("assumptions") or [],
            }
        )
    return rows


def benchmark_rows(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's benchmarks: stand-in or not, item limit, data sources (the first four)."""
    rows = []
    for bench, spec in config.get("benchmarks", {}).items():
        sources = [f"{k}: {_source_text(s)}" for k, s in raw_sources(spec)]
        rows.append(
            {
                "id": bench,
                "standin": bool(spec.get("standin")),
                "limit": spec.get("limit", 0),
                "sources": sources[:4] + ([f"... {len(sources) - 4} more"] if len(sources) > 4 else []),
            }
        )
    return rows


def build_context(config: dict[str, Any], tables: list[Path], published_path: Path, root: Path) -> dict[str, Any]:
    published_all = yaml.safe_load(published_path.read_text(encoding="utf-8"))
    built, score_files = built_tables(config, tables, published_path, root)
    ids = list(dict.fromkeys(c for t in built for c in t["columns"]))
    experiments = experiment_rows(config, ids)
    benchmarks = benchmark_rows(config)
    stats = data_stats(root)
    trained = [e for e in experiments if e["trained"]]
    checks, check_files = pipeline_checks(config, root)
    errata = _errata(published_all, [t["id"] for t in built])
    judge = config.get("judge", {})
    arena = config.get("benchmarks", {}).get("ru_arena_hard", {})
    return {
        "title": "Instruction tuning of LLMs for Russian: reproduction report",
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "scale": config.get("scale", "?"),
        "seed": config.get("seed"),
        "base_model": config.get("base_model"),
        "base_model_spec": _source_text(config.get("models", {}).get(config.get("base_model"), {})),
        "judge": f"{judge.get('model')} ({judge.get('backend')}, "
        + (
            f"llmtf protocol, label probability {judge.get('label_probability', 'raw')})"
            if judge.get("arena_protocol", "llmtf") == "llmtf"
            else f"{judge.get('arena_protocol')} protocol, mode {judge.get('mode')})"
        ),
        "references": sorted(arena.get("reference_answers", {})) + sorted(arena.get("generated_references", {})),
        "evaluation": config.get("evaluation", {}),
        "tables": built,
        "experiments": experiments,
        "methods": methods(config, ids),
        "trained": trained,
        "benchmarks": benchmarks,
        "data_stats": stats,
        "data_table": data_table(stats, config),
        "checks": checks,
        "pdf_note": "",
        "errata": errata,
        "published_notes": published_all.get("notes", []),
        "signals": run_signals(config, built),
        "conclusions": conclusions(built, config.get("scale", "?")),
        "protocol": {
            "upstream": protocol.UPSTREAM,
            "metrics": [{"metric": m, "what": w, "source": src} for m, w, src in protocol.METRICS],
            "deviations": protocol.deviations(config) if config.get("evaluation") else [],
        },
        "sections": SECTIONS,
        "_score_files": score_files + check_files,
    }


def run_signals(config: dict[str, Any], tables: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Judge score and mean answer length of every trained run, each against the nearest evaluated
    ancestor (its parent chain, else the baseline): the thesis's key preference-optimisation signals."""
    runs = pooled_scores(tables)
    experiments = config.get("experiments", {})
    untrained = [e for e, spec in experiments.items() if not model_is_trained(experiments, e)]
    out = []
    for experiment, metrics in runs.items():
        spec = experiments.get(experiment, {})
        if not is_trained(spec) or "judge_winrate" not in metrics or "answer_length" not in metrics:
            continue
        ancestor = next((e for e in ancestors(experiments, experiment) if e in runs), None)
        if ancestor is None:
            ancestor = next((e for e in untrained if e in runs), None)
        row = {"experiment": experiment, "stage": spec["stage"].get("type", "?"), "against": ancestor or "--"}
        for metric in ("judge_winrate", "answer_length"):
            value = metrics[metric]["value"]
            before = runs.get(ancestor, {}).get(metric, {}).get("value") if ancestor else None
            row[metric] = fmt(metric, value)
            changed = None if before is None or value is None else value - before
            row[metric + "_delta"] = fmt(metric, changed, signed=True)
        out.append(row)
    order = {c: i for i, c in enumerate(dict.fromkeys(c for t in tables for c in t.get("columns", [])))}
    return sorted(out, key=lambda r: (order.get(r["experiment"], len(order)), r["experiment"]))  # table order


def pipeline_checks(config: dict[str, Any], root: Path) -> tuple[list[dict[str, str]], list[Path]]:
    """The canaries' rows of results/checks/pipeline_checks.json (rualign/checks.py), formatted; a
    configured canary the file lacks (checks not run: a report built by hand) says so."""
    configured = checks_mod.canaries(config.get("experiments") or {})
    path = root / checks_mod.VERDICTS
    done = {row["experiment"]: row for row in read_json(path)["checks"]} if configured and path.is_file() else {}
    rows = []
    for experiment, canary in configured.items():
        metric = canary["metric"]
        expect = canary["expect"] + (f" by at least {fmt(metric, canary['margin'])}" if canary.get("margin") else "")
        row = {"experiment": experiment, "metric": metric, "expect": expect, "against": canary["against"]}
        check = done.get(experiment)
        if check is None:
            rows.append({**row, "value": "--", "reference": "--", "delta": "--", "separated": "", "verdict": "not run"})
            continue
        apart = check["cis_apart"]
        rows.append(
            {
                **row,
                "value": _value_ci(metric, check["value"], check["ci95"]),
                "reference": _value_ci(metric, check["reference_value"], check["reference_ci95"]),
                "delta": fmt(metric, check["delta"], signed=True),
                "separated": "" if apart is None else ("yes" if apart else "no"),
                "verdict": "pass" if check["passed"] else "FAIL",
            }
        )
    return rows, [path] if done else []


def _value_ci(metric: str, value: float, ci95: list[float] | None) -> str:
    return f"{fmt(metric, value)} {_ci_text(metric, _ci({'ci95': ci95}))}".strip()


def _source_text(source: Any) -> str:
    if not isinstance(source, dict):
        return str(source)
    repo = source.get("hub") or source.get("repo_id")
    if repo:
        return f"hub {repo}" + (f" @ {source['revision']}" if source.get("revision") else "")
    if source.get("url"):
        return f"url {source['url']}"
    if source.get("path"):
        return f"file {source['path']}"
    if source.get("package"):
        return f"PyPI package {source['package']} ({source.get('gguf_file', '')})"
    return json.dumps(source, sort_keys=True)[:100]


def _errata(published_all: dict[str, Any], tables: list[str]) -> list[dict[str, str]]:
    errata_file = TEMPLATES / "errata.yaml"
    entries = yaml.safe_load(errata_file.read_text(encoding="utf-8")) if errata_file.is_file() else []
    out = []
    for entry in entries or []:
        affected = entry.get("tables", [])
        out.append(
            {
                "title": entry["title"],
                "text": entry["text"],
                "tables": ", ".join(affected),
                "applies": "yes" if set(affected) & set(tables) else "no (table not configured)",
            }
        )
    return out


def build_report(
    config: dict[str, Any],
    tables: list[Path],
    published_path: Path,
    out_dir: Path,
    root: Path,
    pdf: str | bool = "auto",
) -> dict[str, Any]:
    """Write out_dir/{report.tex, report.html, report.pdf?, figures/, tables/, report.provenance.json}."""
    if not tables:
        raise RualignError("report: no tables given")
    if not Path(published_path).is_file():
        raise RualignError(f"{published_path}: published numbers not found")
    prov = Provenance(
        "report",
        inputs={**{f"table_{t.stem}": t for t in tables}, "published": published_path},
        config={"scale": config.get("scale"), "tables": config.get("tables"), "pdf": pdf},
        seed=config.get("seed"),
    )
    context = build_context(config, tables, published_path, root)
    for i, path in enumerate(context.pop("_score_files")):
        prov.inputs[f"score{i}"] = str(path.relative_to(root) if path.is_relative_to(root) else path)
    for i, stats in enumerate(context["data_stats"]):
        prov.inputs[f"data_stats{i}"] = stats["path"]
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / "figures") as fig_dir:
        context["figures"] = make_figures(fig_dir, context["tables"], config)
    with atomic_path(out_dir / "tables") as tab_dir:
        tab_dir.mkdir()
        table_template = _jinja(latex=False).get_template("table.html.j2")
        for table in context["tables"]:
            (tab_dir / f"{table['id']}.html").write_text(table_template.render(table=table), encoding="utf-8")
    engine = latex_engine(pdf)
    build: dict[str, Any] = {"pdf": None, "engine": None, "reason": None}
    if not engine:
        build["reason"] = "report.pdf is false" if pdf in (False, "never") else "no pdflatex on PATH"
        context["pdf_note"] = no_pdf_note(build["reason"])
    tex = _jinja(latex=True).get_template("report.tex.j2").render(**context)
    write_text_atomic(out_dir / "report.tex", tex)
    html = _jinja(latex=False).get_template("report.html.j2").render(**context)
    write_text_atomic(out_dir / "report.html", html)
    pdf_path = out_dir / "report.pdf"
    if engine:
        build.update(compile_pdf(out_dir / "report.tex", engine, pdf_path), pdf=str(pdf_path))
    else:
        pdf_path.unlink(missing_ok=True)
        log.warning("no PDF: %s (report.tex and report.html are written)", build["reason"])
    write_json_atomic(out_dir / "report.provenance.json", prov.block(build=build))
    return build


def no_pdf_note(reason: str) -> str:
    """What the reader (top of report.html) and the Snakemake log are told when no PDF is compiled."""
    if reason == "report.pdf is false":
        return (
            "No report.pdf: the config sets report.pdf: false, so only report.html and report.tex were written. "
            "For the PDF set report.pdf: auto (needs a TeX engine: ./setup.sh --tex), then run "
            "snakemake report --forcerun report."
        )
    return (
        f"No report.pdf: {reason} (no TeX engine), so only report.html and report.tex were written. "
        "For the PDF run ./setup.sh --tex (installs texlive with Cyrillic, about 2 min), then "
        "snakemake report --forcerun report."
    )


# ---------------------------------------------------------------- CLI
def add_arguments(parser) -> None:
    parser.add_argument("--tables", type=Path, nargs="+", required=True, help="built tables (results/tables/*.tex)")
    parser.add_argument(
        "--configfile",
        type=Path,
        action="append",
        help="config file(s), merged in order and resolved as the Snakefile does (default: config.yaml)",
    )
    parser.add_argument("--published", type=Path, help="thesis numbers (default: the config's published_numbers)")
    parser.add_argument("--out", type=Path, default=Path("results/report"), help="output folder")
    parser.add_argument("--root", type=Path, default=Path("."), help="workflow directory the table paths are under")
    parser.add_argument("--pdf", default=None, choices=["auto", "true", "false"], help="override config report.pdf")


def run_cli(args) -> int:
    from rualign.workflow import Workflow

    config = Workflow.from_files(args.configfile or [Path("config.yaml")]).config
    return write_report(config, args.tables, args.published, args.out, args.root, args.pdf)


def write_report(
    config: dict[str, Any], tables: list[Path], published: Path | None, out: Path, root: Path, pdf: str | None
) -> int:
    """build_report with the config's (or the given) published numbers and PDF setting; says what was written."""
    setting = pdf or config.get("report", {}).get("pdf", "auto")
    setting = {"true": True, "false": False}.get(setting, setting) if isinstance(setting, str) else setting
    published = published or Path(config.get("published_numbers", "paper/thesis_tables.yaml"))
    started = time.time()
    build = build_report(config, tables, published, out, root, setting)
    print(
        f"report: {out}/report.tex, report.html"
        + (f", report.pdf ({build['compile_s']} s with {Path(build['engine']).name})" if build["pdf"] else "")
        + f" in {time.time() - started:.1f} s"
    )
    if not build["pdf"]:
        print("report: " + no_pdf_note(build["reason"]), flush=True)
    return 0
