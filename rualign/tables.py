"""LaTeX tables (booktabs): for every column experiment, reproduced | paper | delta per metric row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from rualign.benchmarks import METRICS
from rualign.io import DataError, RualignError, read_json, sha256_file, write_json_atomic, write_text_atomic
from rualign.protocol import UPSTREAM
from rualign.provenance import Provenance

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def fmt(metric: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "--"
    if metric == "answer_length":
        return f"{value:+.0f}" if signed else f"{value:.0f}"
    digits = 4 if metric == "judge_winrate" else 3
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def load_published(path: str | Path, table: str) -> dict[str, dict[str, float]]:
    """Published numbers of one table: {experiment: {metric: value}} (empty if the thesis has none)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    metric_names = data["metrics"]
    columns = data.get("tables", {}).get(table, {}).get("columns", {})
    return {exp: dict(zip(metric_names, values, strict=True)) for exp, values in columns.items()}


def collect_scores(score_files: list[str | Path]) -> dict[str, dict[str, dict[str, Any]]]:
    """{experiment: {metric: metric block}} from score JSONs."""
    scores: dict[str, dict[str, dict[str, Any]]] = {}
    for path in score_files:
        doc = read_json(path)
        try:
            scores.setdefault(doc["experiment"], {}).update(
                {metric: {**block, "standin": doc.get("standin", False)} for metric, block in doc["metrics"].items()}
            )
        except (KeyError, TypeError, AttributeError):
            raise DataError(f"{path}: not a score file (expected experiment and metrics)") from None
    return scores


def render_table(table: str, spec: dict[str, Any], scores: dict, published: dict) -> str:
    columns, metrics = spec["columns"], spec["metrics"]
    missing = [(e, m) for e in columns for m in metrics if m not in scores.get(e, {})]
    if missing:
        raise RualignError(f"table {table}: no score for {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    lines = [
        r"\begin{table}[ht]",
        r"\centering",
        r"\small",
        f"\\caption{{{latex_escape(spec['caption'])} (reproduced at scale \\texttt{{{spec['scale']}}})}}",
        f"\\label{{tab:{table}}}",
        r"\begin{tabular}{l" + " rrr" * len(columns) + "}",
        r"\toprule",
        " & " + " & ".join(f"\\multicolumn{{3}}{{c}}{{{latex_escape(c)}}}" for c in columns) + r" \\",
        "".join(f"\\cmidrule(lr){{{2 + 3 * i}-{4 + 3 * i}}}" for i in range(len(columns))),
        "Metric & " + " & ".join(["repr. & paper & $\\Delta$"] * len(columns)) + r" \\",
        r"\midrule",
    ]
    standins = set()
    for metric in metrics:
        cells = [METRICS[metric].label]
        for column in columns:
            block = scores[column][metric]
            value, paper = block["value"], published.get(column, {}).get(metric)
            mark = "$^\\dagger$" if block["standin"] else ""
            if block["standin"]:
                standins.add(METRICS[metric].label)
            cells += [
                fmt(metric, value) + mark,
                fmt(metric, paper),
                fmt(metric, None if paper is None else value - paper, signed=True),
            ]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    notes = [
        f"Scale \\texttt{{{spec['scale']}}}: base model \\texttt{{{latex_escape(spec['base_model'])}}}, "
        f"judge \\texttt{{{latex_escape(str(spec['judge']))}}}. Paper values: the thesis, table "
        f"{latex_escape(table.removeprefix('table'))}."
    ]
    if standins:
        notes.append("$^\\dagger$ Stand-in data, not the thesis's benchmark set (see data/SOURCES.md).")
    if "protocol_deviations" in spec:
        deviations = spec["protocol_deviations"]
        notes.append(
            f"Evaluation protocol: the thesis's ({latex_escape(UPSTREAM)})"
            + (", except " + "; ".join(f"\\texttt{{{latex_escape(d)}}}" for d in deviations) if deviations else "")
            + "."
        )
    judge = {column: scores[column]["judge_winrate"] for column in columns if "judge_winrate" in scores[column]}
    invalid = [
        f"{latex_escape(c)} {b['invalid']}/{b['invalid'] + b['win'] + b['tie'] + b['loss']}"
        for c, b in judge.items()
        if b.get("invalid")
    ]
    if invalid:
        notes.append("LLM-as-a-Judge: invalid judgments (neither label, or no verdict) in " + ", ".join(invalid) + ".")
    degenerate = [latex_escape(c) for c, b in judge.items() if b.get("degenerate")]
    if degenerate:
        notes.append(
            "LLM-as-a-Judge of " + ", ".join(degenerate) + ": the Bradley--Terry fit is degenerate (a reference "
            "never beaten or never lost to); the value is the fit's limit, where llmtf\\_open would report 0.5."
        )
    if spec.get("training_choices"):
        notes.append(
            "Training differs from the thesis's code on purpose: "
            + "; ".join(map(latex_escape, spec["training_choices"]))
            + "."
        )
    for column, chain in spec.get("chains", {}).items():
        if len(chain) > 1:
            notes.append(
                f"\\texttt{{{latex_escape(column)}}} = " + " $\\rightarrow$ ".join(latex_escape(c) for c in chain)
            )
    if spec.get("training_standins"):
        notes.append(
            "Trained on hand-written stand-ins of "
            + ", ".join(latex_escape(d) for d in spec["training_standins"])
            + " (see data/sft/SOURCES.md), not the thesis's data."
        )
    for column, assumptions in spec.get("assumptions", {}).items():
        for assumption in assumptions:
            notes.append(f"\\texttt{{{latex_escape(column)}}}: {latex_escape(assumption)}")
    lines += [r"\par\smallskip\footnotesize", *[note + r"\par" for note in notes], r"\end{table}", ""]
    return "\n".join(lines)


def make_table(table: str, spec: dict[str, Any], score_files: list[Path], published_path: Path, out: Path) -> None:
    prov = Provenance(
        "table",
        inputs={**{f"score{i}": p for i, p in enumerate(score_files)}, "published": published_path},
        config=spec,
    )
    scores = collect_scores(score_files)
    text = render_table(table, spec, scores, load_published(published_path, table))
    write_text_atomic(out, text)
    write_json_atomic(out.with_suffix(".provenance.json"), prov.block())


def make_index(tables: list[Path], out: Path) -> None:
    """results/tables/all: one line per built table (and report file) with its sha256, as sha256sum writes."""
    write_text_atomic(out, "".join(f"{sha256_file(t)}  {t}\n" for t in tables))
