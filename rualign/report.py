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
import time
from pathlib import Path
from typing import Any

import yaml

from rualign.audit import raw_sources
from rualign.benchmarks import METRICS
from rualign.cli_utils import json_arg
from rualign.io import RualignError, atomic_path, read_json, write_json_atomic, write_text_atomic
from rualign.provenance import Provenance
from rualign.tables import fmt, latex_escape, load_published

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "report"
HIGHER_IS_BETTER = {m: True for m in METRICS} | {"answer_length": None}  # length: neither
SECTIONS = ["Setup", "Datasets", "Methods", "Results", "Assumptions", "Errata", "Conclusions"]


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


def _stat_rows(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """Flatten a stats.json into (label, value) rows without assuming more than its documented keys."""
    rows = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{where} / {key}" if where else str(key))
        elif isinstance(node, float):
            rows.append((where, f"{node:.1f}"))
        elif isinstance(node, int | str | bool) or node is None:
            rows.append((where, str(node)))
        elif isinstance(node, list):
            rows.append((where, ", ".join(map(str, node))[:80]))

    walk(stats, "")
    return rows


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
                    "ci95": (block or {}).get("ci95"),
                    "standin": bool((block or {}).get("standin")),
                    "v": fmt(metric, value),
                    "p": fmt(metric, paper),
                    "d": fmt(metric, delta, signed=True),
                }
            )
        rows.append({"metric": metric, "label": METRICS[metric][1], "html_label": _html_label(metric), "cells": cells})
        if len(columns) > 1:
            direction = HIGHER_IS_BETTER.get(metric, True)
            repr_vals = {c["column"]: c["value"] for c in cells if c["value"] is not None}
            paper_vals = {c["column"]: c["paper"] for c in cells if c["paper"] is not None}
            pick = max if direction is not False else min
            if repr_vals and direction is not None:
                best.append(
                    {
                        "metric": metric,
                        "label": METRICS[metric][1],
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
                        "label": METRICS[metric][1],
                        "agree": sum(a == b for a, b in signs),
                        "of": len(signs),
                        "rho": spearman([repr_vals[c] for c in common], [paper_vals[c] for c in common]),
                    }
                )
    for entry in best:
        entry["same"] = entry["reproduced"] == entry["paper"]
    return {"rows": rows, "best": best, "agreement": agreement}


def _html_label(metric: str) -> str:
    return METRICS[metric][1].replace("$\\rightarrow$", "&rarr;")


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
            f"Largest gap: {METRICS[worst_m][1]} (reproduced {fmt(worst_m, worst_v)}, paper {fmt(worst_m, worst_p)})."
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
            f"Across {len(unique)} runs, judge win share and mean answer length have Spearman correlation "
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


def make_figures(out_dir: Path, tables: list[dict[str, Any]], config: dict[str, Any]) -> list[dict[str, str]]:
    """PNG figures; each skipped (with the reason) when the data it needs is absent."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    figures: list[dict[str, str]] = []
    runs = pooled_scores(tables)
    published: dict[str, dict[str, float]] = {}
    for t in tables:
        for column in t["columns"]:
            published.setdefault(column, {}).update(t["published"].get(column, {}))

    def save(fig, name: str, caption: str) -> None:
        fig.tight_layout()
        fig.savefig(out_dir / f"{name}.png", dpi=130, metadata={"Software": None})
        plt.close(fig)
        figures.append({"name": name, "file": f"figures/{name}.png", "caption": caption, "skipped": ""})

    def skip(name: str, caption: str, why: str) -> None:
        figures.append({"name": name, "file": "", "caption": caption, "skipped": why})

    # 1. metric vs data fraction
    caption = "LLM-as-a-Judge win share against training-data fraction (solid: reproduced, dashed: paper)."
    families: dict[str, list[tuple[float, str]]] = {}
    for experiment in runs:
        found = fraction_of(experiment, config)
        if found and "judge_winrate" in runs[experiment]:
            families.setdefault(found[0], []).append((found[1], experiment))
    families = {k: sorted(v) for k, v in families.items() if len(v) >= 2}
    if families:
        fig, ax = plt.subplots(figsize=(6, 3.6))
        for i, (family, points) in enumerate(sorted(families.items())):
            color = f"C{i}"
            xs = [x for x, _ in points]
            ax.plot(xs, [runs[e]["judge_winrate"]["value"] for _, e in points], "o-", color=color, label=family)
            paper = [(x, published.get(e, {}).get("judge_winrate")) for x, e in points]
            paper = [(x, y) for x, y in paper if y is not None]
            if paper:
                ax.plot(*zip(*paper, strict=True), "s--", color=color, alpha=0.6)
        ax.set_xlabel("data fraction, %")
        ax.set_ylabel("judge win share")
        ax.legend(fontsize=8)
        save(fig, "fraction", caption)
    else:
        skip("fraction", caption, "no family of runs that differ only in data fraction has two or more runs here")

    # 2. win share vs answer length
    caption = "Judge win share against mean answer length (tokens), every run (filled: reproduced, hollow: paper)."
    points = [
        (e, m["answer_length"]["value"], m["judge_winrate"]["value"])
        for e, m in runs.items()
        if "answer_length" in m and "judge_winrate" in m
    ]
    if points:
        fig, ax = plt.subplots(figsize=(6, 3.6))
        for i, (e, x, y) in enumerate(points):
            ax.scatter([x], [y], color=f"C{i % 10}", label=e)
            ax.annotate(e, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
            p = published.get(e, {})
            if "answer_length" in p and "judge_winrate" in p:
                ax.scatter([p["answer_length"]], [p["judge_winrate"]], facecolors="none", edgecolors=f"C{i % 10}")
        ax.set_xlabel("mean answer length, tokens")
        ax.set_ylabel("judge win share")
        save(fig, "length_vs_winrate", caption)
    else:
        skip("length_vs_winrate", caption, "no run has both judge_winrate and answer_length")

    # 3. LIBRA accuracy vs context length
    caption = "LIBRA ruBABILongQA accuracy (mean of QA1-5) against context length, per model."
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
    if curves:
        fig, ax = plt.subplots(figsize=(6, 3.6))
        for experiment, curve in curves.items():
            ax.plot([x for x, _ in curve], [y for _, y in curve], "o-", label=experiment)
        ax.set_xscale("log", base=2)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("context length, tokens")
        ax.set_ylabel("accuracy (mean QA1-5)")
        ax.legend(fontsize=8)
        save(fig, "libra_length", caption)
    else:
        skip("libra_length", caption, "no score file reports LIBRA accuracy per context length")

    # 4. paper vs reproduced
    caption = "Reproduced against published value for every table cell (answer length excluded); the line is y = x."
    pairs = [
        (published[e][m], runs[e][m]["value"], m)
        for e in runs
        for m in runs[e]
        if m != "answer_length" and m in published.get(e, {}) and runs[e][m].get("value") is not None
    ]
    if pairs:
        fig, ax = plt.subplots(figsize=(4.6, 4.2))
        metrics = sorted({m for _, _, m in pairs}, key=list(METRICS).index)
        for i, metric in enumerate(metrics):
            xs = [p for p, _, m in pairs if m == metric]
            ys = [r for _, r, m in pairs if m == metric]
            ax.scatter(xs, ys, s=18, color=f"C{i % 10}", label=metric)
        ax.plot([0, 1], [0, 1], color="grey", lw=0.8)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("paper")
        ax.set_ylabel("reproduced")
        ax.legend(fontsize=6, ncol=2)
        save(fig, "paper_vs_reproduced", caption)
    else:
        skip("paper_vs_reproduced", caption, "no cell has both a reproduced and a published value")
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


def build_context(config: dict[str, Any], tables: list[Path], published_path: Path, root: Path) -> dict[str, Any]:
    published_all = yaml.safe_load(published_path.read_text(encoding="utf-8"))
    built = []
    score_files: list[Path] = []
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
    experiments = {}
    for t in built:
        for column in t["columns"]:
            exp = config.get("experiments", {}).get(column, {})
            chain, parent = [], exp.get("parent")
            while parent is not None and parent not in chain:
                chain.append(parent)
                parent = config.get("experiments", {}).get(parent, {}).get("parent")
            stages = {k: v for k, v in exp.items() if k not in ("description", "parent", "assumptions")}
            experiments[column] = {
                "id": column,
                "description": exp.get("description", ""),
                "chain": " <- ".join([column, *chain, "base model"]),
                "trained": bool(stages) or exp.get("parent") is not None,
                "stages": json.dumps(stages, ensure_ascii=False, sort_keys=True) if stages else "",
                "assumptions": exp.get("assumptions", []),
            }
    benchmarks = []
    for bench, spec in config.get("benchmarks", {}).items():
        sources = [f"{k}: {_source_text(s)}" for k, s in raw_sources(spec)]
        benchmarks.append(
            {
                "id": bench,
                "standin": bool(spec.get("standin")),
                "limit": spec.get("limit", 0),
                "sources": sources[:4] + ([f"... {len(sources) - 4} more"] if len(sources) > 4 else []),
            }
        )
    stats = [{**s, "rows": _stat_rows(s["stats"])} for s in data_stats(root)]
    trained = [e for e in experiments.values() if e["trained"]]
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
        "judge": f"{judge.get('model')} ({judge.get('backend')}, mode {judge.get('mode')})",
        "references": sorted(arena.get("reference_answers", {})) + sorted(arena.get("generated_references", {})),
        "evaluation": config.get("evaluation", {}),
        "tables": built,
        "experiments": list(experiments.values()),
        "trained": trained,
        "benchmarks": benchmarks,
        "data_stats": stats,
        "errata": errata,
        "published_notes": published_all.get("notes", []),
        "signals": run_signals(config, built),
        "conclusions": conclusions(built, config.get("scale", "?")),
        "sections": SECTIONS,
        "_score_files": score_files,
    }


def run_signals(config: dict[str, Any], tables: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Judge win share and mean answer length of every trained run, each against the nearest evaluated
    ancestor (its parent chain, else the baseline): the thesis's key preference-optimisation signals."""
    runs = pooled_scores(tables)
    experiments = config.get("experiments", {})
    untrained = [e for e, spec in experiments.items() if not spec.get("stage") and not spec.get("parent")]
    out = []
    for experiment, metrics in runs.items():
        spec = experiments.get(experiment, {})
        if not spec.get("stage") or "judge_winrate" not in metrics or "answer_length" not in metrics:
            continue
        ancestor, seen = spec.get("parent"), {experiment}
        while ancestor is not None and ancestor not in runs and ancestor not in seen:
            seen.add(ancestor)
            ancestor = experiments.get(ancestor, {}).get("parent")
        if ancestor not in runs:
            ancestor = next((e for e in untrained if e in runs), None)
        row = {"experiment": experiment, "stage": spec["stage"].get("type", "?"), "against": ancestor or "--"}
        for metric in ("judge_winrate", "answer_length"):
            value = metrics[metric]["value"]
            before = runs.get(ancestor, {}).get(metric, {}).get("value") if ancestor else None
            row[metric] = fmt(metric, value)
            changed = None if before is None or value is None else value - before
            row[metric + "_delta"] = fmt(metric, changed, signed=True)
        out.append(row)
    return sorted(out, key=lambda r: r["experiment"])


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
    tex = _jinja(latex=True).get_template("report.tex.j2").render(**context)
    write_text_atomic(out_dir / "report.tex", tex)
    html = _jinja(latex=False).get_template("report.html.j2").render(**context)
    write_text_atomic(out_dir / "report.html", html)
    engine = latex_engine(pdf)
    build: dict[str, Any] = {"pdf": None, "engine": None, "reason": None}
    pdf_path = out_dir / "report.pdf"
    if engine:
        build.update(compile_pdf(out_dir / "report.tex", engine, pdf_path), pdf=str(pdf_path))
    else:
        pdf_path.unlink(missing_ok=True)
        build["reason"] = "report.pdf is false" if pdf in (False, "never") else "no pdflatex on PATH"
        log.warning("no PDF: %s (report.tex and report.html are written)", build["reason"])
    write_json_atomic(out_dir / "report.provenance.json", prov.block(build=build))
    return build


# ---------------------------------------------------------------- CLI
def add_arguments(parser) -> None:
    parser.add_argument("--tables", type=Path, nargs="+", required=True, help="built tables (results/tables/*.tex)")
    parser.add_argument(
        "--config", dest="config_json", type=json_arg, help="resolved config (JSON or @file); default: config.yaml"
    )
    parser.add_argument("--published", type=Path, help="thesis numbers (default: the config's published_numbers)")
    parser.add_argument("--out", type=Path, default=Path("results/report"), help="output folder")
    parser.add_argument("--root", type=Path, default=Path("."), help="workflow directory the table paths are under")
    parser.add_argument("--pdf", default=None, choices=["auto", "true", "false"], help="override config report.pdf")


def run_cli(args) -> int:
    from rualign import config as config_mod

    config = args.config_json if args.config_json is not None else config_mod.load()
    if not isinstance(config, dict):
        raise RualignError("--config: expected a JSON object (the resolved configuration)")
    setting = args.pdf or config.get("report", {}).get("pdf", "auto")
    setting = {"true": True, "false": False}.get(setting, setting) if isinstance(setting, str) else setting
    published = args.published or Path(config.get("published_numbers", "paper/thesis_tables.yaml"))
    started = time.time()
    build = build_report(config, args.tables, published, args.out, args.root, setting)
    print(
        f"report: {args.out}/report.tex, report.html"
        + (f", report.pdf ({build['compile_s']} s with {Path(build['engine']).name})" if build["pdf"] else "")
        + f" in {time.time() - started:.1f} s"
    )
    return 0
