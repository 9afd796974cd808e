"""Audit one table cell: its lineage back to raw data, config and code, with every checksum re-verified.

The walk relies only on the provenance contract (rualign.provenance): every output records its
inputs as {name: {path, sha256}}; the provenance of an output lives
- embedded under "provenance" in a JSON output (score files),
- in a sidecar `<name>.provenance.json` next to a JSONL output (rualign.evaluate.sidecar) or a table,
- in `provenance.json` inside a folder output (models, adapters).
Each input is re-hashed (rualign.io.sha256_path) and compared with the recorded hash; any
difference or missing file is drift. Raw dataset sources are read from a provenance's config slice
({path: ...} repo files, {hub: id, revision: ...} hub datasets, {url: ...}).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rualign.benchmarks import METRICS
from rualign.io import RualignError, read_json, sha256_path
from rualign.provenance import code_version
from rualign.tables import fmt

_HEX40 = re.compile(r"[0-9a-f]{40}")
_SHOWN_PACKAGES = ("python", "rualign", "torch", "transformers", "trl", "peft", "datasets", "vllm", "snakemake")


@dataclass
class Node:
    """One artefact in the lineage."""

    name: str  # the input name its consumer gave it (or "table", "score")
    path: str
    depth: int
    recorded: str | None  # sha256 the consumer recorded (None: nobody recorded one)
    actual: str | None  # sha256 now (None: missing)
    provenance: dict[str, Any] | None = None
    provenance_file: str | None = None
    seen_before: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return self.actual is None or (self.recorded is not None and self.recorded != self.actual)


@dataclass
class AuditReport:
    table: str
    column: str
    metric: str
    value: float | None
    paper: float | None
    nodes: list[Node]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def find_root(path: Path) -> Path:
    """The workflow directory of an output: the folder holding its `results/` (else the current one)."""
    path = path.resolve()
    for parent in path.parents:
        if parent.name == "results":
            return parent.parent
    return Path.cwd()


def provenance_of(path: Path) -> tuple[dict[str, Any] | None, Path | None]:
    """(provenance block, file it was read from) of an output, or (None, None) for a source file."""
    if path.is_dir():
        candidate = path / "provenance.json"
        if candidate.is_file():
            return read_json(candidate), candidate
        return None, None
    if path.name.endswith(".provenance.json"):
        return None, None
    sidecar = path.with_name(path.name.removesuffix(".jsonl").removesuffix(".json") + ".provenance.json")
    if path.suffix == ".jsonl" and sidecar.is_file():
        return read_json(sidecar), sidecar
    if path.suffix == ".json" and path.is_file():
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("provenance"), dict):
            return doc["provenance"], path
    side = path.with_suffix(".provenance.json")
    if side.is_file() and side != path:
        return read_json(side), side
    if sidecar.is_file():
        return read_json(sidecar), sidecar
    return None, None


def raw_sources(config: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every raw data source named in a config slice: [(dotted key, source dict)]."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(config, dict):
        if any(isinstance(config.get(k), str) for k in ("path", "hub", "url", "repo_id", "package")):
            found.append((where or "(config)", config))
        for key, value in config.items():
            found += raw_sources(value, f"{where}.{key}" if where else str(key))
    elif isinstance(config, list):
        for i, value in enumerate(config):
            found += raw_sources(value, f"{where}[{i}]")
    return found


def _hash(path: Path) -> str | None:
    try:
        return sha256_path(path)
    except (FileNotFoundError, OSError):
        return None


def _table_cell(tex: str, metric: str, column_index: int, part: int = 0) -> str | None:
    """A cell of a built table: part 0 = reproduced, 1 = paper, 2 = delta (three per column)."""
    label = METRICS[metric].label
    for line in tex.splitlines():
        if line.startswith(label + " &"):
            cells = [c.strip() for c in line.removesuffix(r"\\").split("&")]
            position = 1 + part + 3 * column_index
            return cells[position] if position < len(cells) else None
    return None


def _find_score(table_prov: dict[str, Any], root: Path, column: str, metric: str) -> tuple[str, str, str | None]:
    """(input name, path, recorded sha256) of the score JSON behind one cell."""
    benchmark = METRICS[metric].benchmark
    for name, entry in table_prov.get("inputs", {}).items():
        path = root / entry["path"]
        if not path.name.endswith(".json") or not path.is_file():
            continue
        try:
            doc = read_json(path)
        except RualignError:
            continue
        if isinstance(doc, dict) and doc.get("experiment") == column and metric in doc.get("metrics", {}):
            return name, entry["path"], entry.get("sha256")
    # by naming convention, for a table whose provenance lost the file
    for name, entry in table_prov.get("inputs", {}).items():
        if entry["path"].endswith(f"scores/{column}/{benchmark}.json"):
            return name, entry["path"], entry.get("sha256")
    raise RualignError(f"the table's provenance lists no score file for {column}/{benchmark}")


def audit_cell(table_path: str | Path, column: str, metric: str, root: str | Path | None = None) -> AuditReport:
    """Walk the lineage of one cell; raise RualignError for an unknown table, column or metric."""
    table_path = Path(table_path)
    if not table_path.is_file():
        raise RualignError(f"{table_path}: no such table (build it first, e.g. snakemake {table_path})")
    root = Path(root) if root else find_root(table_path)
    table_prov, prov_file = provenance_of(table_path)
    if table_prov is None:
        raise RualignError(f"{table_path}: no provenance ({table_path.with_suffix('.provenance.json')} missing)")
    spec = table_prov.get("config", {})
    columns, metrics = spec.get("columns", []), spec.get("metrics", list(METRICS))
    if column not in columns:
        raise RualignError(f"{table_path.name}: unknown column '{column}' (columns: {', '.join(columns)})")
    if metric not in metrics:
        raise RualignError(f"{table_path.name}: unknown metric '{metric}' (metrics: {', '.join(metrics)})")

    problems: list[str] = []
    table_name = table_path.stem
    try:
        rel_table = str(table_path.resolve().relative_to(root.resolve()))
    except ValueError:
        rel_table = str(table_path)
    top = Node("table", rel_table, 0, None, _hash(table_path), table_prov, str(prov_file))
    index = table_path.parent / "all"
    if index.is_file():
        for line in index.read_text(encoding="utf-8").splitlines():
            digest, _, listed = line.partition("  ")
            if listed.strip() == rel_table:
                top.recorded = digest
                top.notes.append(f"sha256 recorded in {index.name} index")

    score_name, score_path, score_sha = _find_score(table_prov, root, column, metric)
    # A deleted or corrupted score file is drift (reported below as missing/changed), not an input error.
    value, score_known = None, False
    try:
        score_doc = read_json(root / score_path)
        block = score_doc["metrics"][metric]
        value, score_known = block.get("value"), True
    except RualignError:
        pass
    except (KeyError, TypeError, AttributeError):
        problems.append(f"{score_path}: holds no value for metric {metric}")
    paper = None
    # the cell as printed must be the score file's value
    tex = table_path.read_text(encoding="utf-8")
    cell = _table_cell(tex, metric, columns.index(column))
    if cell is not None:
        printed = cell.replace("$^\\dagger$", "")
        if score_known and printed != fmt(metric, value):
            problems.append(f"{rel_table}: cell shows {printed}, {score_path} holds {fmt(metric, value)}")
        paper_cell = _table_cell(tex, metric, columns.index(column), part=1)
        if paper_cell not in (None, "--"):
            paper = float(paper_cell)

    nodes = [top]
    seen: set[str] = set()
    _walk(root, score_name, score_path, score_sha, 1, nodes, seen)
    published_entry = table_prov.get("inputs", {}).get("published")
    if isinstance(published_entry, dict):
        _walk(root, "published", published_entry["path"], published_entry.get("sha256"), 1, nodes, seen)
    for node in nodes:
        if node.seen_before:
            continue
        if node.actual is None:
            problems.append(f"{node.path}: missing (recorded sha256 {node.recorded})")
        elif node.drifted:
            problems.append(f"{node.path}: changed since it was used (recorded {node.recorded}, now {node.actual})")
    return AuditReport(table_name, column, metric, value, paper, nodes, problems)


def _walk(root: Path, name: str, rel: str, recorded: str | None, depth: int, nodes: list[Node], seen: set[str]):
    path = root / rel
    node = Node(name, rel, depth, recorded, _hash(path))
    nodes.append(node)
    if rel in seen:
        node.seen_before = True
        return
    seen.add(rel)
    if node.actual is None:
        return
    prov, prov_file = provenance_of(path)
    if prov is None:
        return
    node.provenance = prov
    node.provenance_file = str(prov_file.relative_to(root)) if prov_file and prov_file.is_relative_to(root) else None
    for child_name, entry in sorted(prov.get("inputs", {}).items()):
        if not isinstance(entry, dict) or "path" not in entry:
            continue
        _walk(root, child_name, entry["path"], entry.get("sha256"), depth + 1, nodes, seen)


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "-"


def _compact(obj: Any, limit: int) -> str:
    text = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text if limit <= 0 or len(text) <= limit else text[: limit - 3] + "..."


def format_report(report: AuditReport, config_chars: int = 240) -> str:
    """Human-readable lineage: one block per artefact, indented by depth."""
    lines = [
        f"cell {report.table} / {report.column} / {report.metric}: reproduced {fmt(report.metric, report.value)}"
        f", paper {fmt(report.metric, report.paper)}",
    ]
    current_code = code_version()
    last_fingerprint = None
    for node in report.nodes:
        pad = "  " * node.depth
        status = "MISSING" if node.actual is None else ("CHANGED" if node.drifted else "ok")
        if node.recorded is None and node.actual is not None:
            status = "ok (no recorded hash)"
        head = f"{pad}{node.name}: {node.path}  sha256 {_short(node.actual)}  [{status}]"
        if node.drifted and node.actual is not None:
            head += f" recorded {_short(node.recorded)}"
        if node.seen_before:
            lines.append(head + "  (lineage shown above)")
            continue
        lines.append(head)
        for note in node.notes:
            lines.append(f"{pad}  note: {note}")
        prov = node.provenance
        if prov is None:
            if node.actual is not None and node.depth > 0:
                lines.append(f"{pad}  source file (no provenance of its own)")
            continue
        lines.append(
            f"{pad}  step {prov.get('step')}  seed {prov.get('seed')}  host {prov.get('host')}"
            f"  slurm {prov.get('slurm_job_id')}  started {prov.get('started_utc')}  wall {prov.get('wall_time_s')} s"
            + (f"  provenance {node.provenance_file}" if node.provenance_file else "")
        )
        if prov.get("config"):
            lines.append(f"{pad}  config {_compact(prov['config'], config_chars)}")
        for key, source in raw_sources(prov.get("config", {})):
            lines.append(f"{pad}  raw source {key}: {_describe_source(source)}")
        code = prov.get("code") or {}
        packages = prov.get("packages") or {}
        fingerprint = json.dumps([code, packages], sort_keys=True)
        if fingerprint == last_fingerprint:
            lines.append(f"{pad}  code and packages: as above")
            continue
        last_fingerprint = fingerprint
        if code:
            same = code.get("package_sha256") == current_code.get("package_sha256")
            lines.append(
                f"{pad}  code git {code.get('git_commit')}{' (dirty)' if code.get('git_dirty') else ''}"
                f"  package sha256 {_short(code.get('package_sha256'))}"
                f" ({'same as' if same else 'differs from'} the current code)"
            )
        if packages:
            shown = [f"{k} {packages[k]}" for k in _SHOWN_PACKAGES if k in packages]
            lines.append(f"{pad}  packages {', '.join(shown)}")
    if report.problems:
        lines.append(f"DRIFT: {len(report.problems)} problem(s):")
        lines += [f"  {p}" for p in report.problems]
    else:
        lines.append(f"OK: {sum(1 for n in report.nodes if not n.seen_before)} artefacts re-hashed, nothing changed")
    return "\n".join(lines)


def _describe_source(source: dict[str, Any]) -> str:
    if isinstance(source.get("hub"), str) or isinstance(source.get("repo_id"), str):
        repo = source.get("hub") or source.get("repo_id")
        revision = source.get("revision")
        pin = "pinned commit" if isinstance(revision, str) and _HEX40.fullmatch(revision) else "NOT a commit"
        extra = f" config {source['name']}" if isinstance(source.get("name"), str) else ""
        return f"hub {repo}{extra} revision {revision} ({pin})"
    if isinstance(source.get("url"), str):
        return f"url {source['url']}" + (f" sha256 {_short(source.get('sha256'))}" if source.get("sha256") else "")
    if isinstance(source.get("path"), str):
        return f"repo file {source['path']}"
    if isinstance(source.get("package"), str):
        digest = f" sha256 {_short(source['sha256'])}" if source.get("sha256") else ""
        return f"PyPI package {source['package']} file {source.get('gguf_file')}{digest}"
    return _compact(source, 120)


def report_json(report: AuditReport) -> dict[str, Any]:
    return {
        "table": report.table,
        "column": report.column,
        "metric": report.metric,
        "value": report.value,
        "paper": report.paper,
        "ok": report.ok,
        "problems": report.problems,
        "lineage": [
            {
                "name": n.name,
                "path": n.path,
                "depth": n.depth,
                "sha256_recorded": n.recorded,
                "sha256_now": n.actual,
                "step": (n.provenance or {}).get("step"),
                "seen_before": n.seen_before,
            }
            for n in report.nodes
        ],
    }


def add_arguments(parser) -> None:
    parser.add_argument("table", type=Path, help="a built table, e.g. results/tables/table9.tex")
    parser.add_argument("--column", required=True, help="the cell's column (an experiment id)")
    parser.add_argument("--metric", required=True, help=f"the cell's row ({', '.join(METRICS)})")
    parser.add_argument("--root", type=Path, help="workflow directory (default: the folder holding results/)")
    parser.add_argument("--json", action="store_true", help="print the lineage as JSON")
    parser.add_argument("--config-chars", type=int, default=240, help="truncate config slices (0 = full)")


def run_cli(args) -> int:
    """Print the lineage; return 0 when every checksum still matches, 1 on drift."""
    report = audit_cell(args.table, args.column, args.metric, args.root)
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, args.config_chars))
    if not report.ok:
        print(f"error: drift in the lineage of {args.table}: {'; '.join(report.problems)}", file=sys.stderr)
        return 1
    return 0
