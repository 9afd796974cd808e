"""File I/O with clear errors and atomic writes.

Every reader names the file and line of a problem; every writer goes through a temporary
path that is renamed into place only when the write completed, so a crashed job never leaves
an output that looks finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class RualignError(Exception):
    """An error caused by the user's input (config, data, model folder): shown without a traceback."""


class DataError(RualignError):
    """A data file is malformed: the message names file, line and field."""


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_path(path: str | Path) -> str:
    """sha256 of a file, or of a folder as the hash of its sorted (relative path, file hash) list."""
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()}\0{sha256_file(file)}\n".encode())
    return digest.hexdigest()


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-empty line; raise DataError naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataError(f"{path}:{lineno}: not valid UTF-8 ({err.reason})") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{lineno}: not valid JSON ({err.msg} at column {err.colno})") from None
            if not isinstance(obj, dict):
                raise DataError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
            yield lineno, obj


def read_jsonl(path: str | Path, required: dict[str, type | tuple[type, ...]] | None = None) -> list[dict[str, Any]]:
    """Read a JSONL file of objects; `required` maps field -> expected type(s) checked on every row."""
    rows = []
    for lineno, obj in iter_jsonl(path):
        for field, expected in (required or {}).items():
            if field not in obj:
                raise DataError(f"{path}:{lineno}: missing field '{field}'")
            if not isinstance(obj[field], expected) or (expected is int and isinstance(obj[field], bool)):
                names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
                raise DataError(f"{path}:{lineno}: field '{field}' must be {names}, got {type(obj[field]).__name__}")
        rows.append(obj)
    return rows


def read_json(path: str | Path) -> Any:
    """Read one JSON document; raise DataError naming the file on a syntax error."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not valid JSON ({err})") from None


def dumps_line(obj: Any) -> str:
    """One canonical JSONL line: UTF-8 text, sorted keys, so equal data gives equal bytes."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling path; move it onto `path` only if the block succeeds.

    Works for files and folders (the caller creates whichever it needs at the yielded path).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    tmp = tmp_dir / path.name
    try:
        yield tmp
        if not tmp.exists():
            raise RuntimeError(f"atomic write of {path}: nothing was written")
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write pretty, key-sorted UTF-8 JSON atomically."""
    write_text_atomic(path, json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n")


def write_jsonl_atomic(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(dumps_line(row))


def sidecar(path: str | Path) -> Path:
    """Provenance file of a JSONL output: <name>.provenance.json beside it."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".jsonl") + ".provenance.json")


def cache_file(cache_dir: str | Path, *key_parts: Any) -> Path:
    """Path of a resumable cache named by a hash of everything that determines its content."""
    key = hashlib.sha256(json.dumps(key_parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return Path(cache_dir) / f"{key}.jsonl"


class JsonlCache:
    """An append-only JSONL keyed by `key`, for resumable steps (answers, judgments).

    Rows already present (from an interrupted run) are loaded and skipped; each new row is
    appended and flushed at once, so a killed job loses at most the row in flight. A torn
    last line (killed mid-write) is dropped on load.
    """

    def __init__(self, path: str | Path, key: str = "id"):
        self.path = Path(path)
        self.key = key
        self.rows: dict[Any, dict[str, Any]] = {}
        if self.path.exists():
            lines = self.path.read_bytes().split(b"\n")
            good = []
            for lineno, raw in enumerate(lines, start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except (json.JSONDecodeError, UnicodeDecodeError):
                    break  # torn tail from a killed writer: drop it and everything after
                if not isinstance(obj, dict) or key not in obj:
                    raise DataError(
                        f"{self.path}:{lineno}: cache row has no '{key}' field (not written by this step, or "
                        "edited); delete the cache file to start this step over"
                    )
                self.rows[obj[key]] = obj
                good.append(raw)
            self.path.write_bytes(b"".join(g + b"\n" for g in good))
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def __contains__(self, key: Any) -> bool:
        return key in self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, row: dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(dumps_line(row))
            handle.flush()
            os.fsync(handle.fileno())
        self.rows[row[self.key]] = row
