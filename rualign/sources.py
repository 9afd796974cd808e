"""Data sources: a file in the repo (tiny), a hub dataset at a pinned revision, or a URL at a commit.

A `hub` value may also be a local dataset folder, which is how the hub code path is tested offline.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from rualign.io import DataError, RualignError, read_json, read_jsonl, sha256_file

CACHE_DIR = Path(os.environ.get("RUALIGN_CACHE", Path.home() / ".cache" / "rualign"))


def _read_file(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".json":
        data = read_json(path)
        if isinstance(data, dict):  # {id: row} (Qasper) or {"data": [...]}
            data = data.get("data", [{"id": k, **v} for k, v in data.items()])
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DataError(f"{path}: expected a JSON list of objects")
        return data
    return read_jsonl(path)


def _check_sha(path: Path, expected: str | None, what: str) -> None:
    if expected and sha256_file(path) != expected:
        raise DataError(f"{what}: sha256 of {path} is {sha256_file(path)}, the config expects {expected}")


def fetch_url(url: str, sha256: str | None) -> Path:
    """Download once into the cache (atomically); later calls reuse the file."""
    target = CACHE_DIR / "urls" / (url.split("://", 1)[-1].replace("/", "_"))
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with (
                urllib.request.urlopen(url, timeout=60) as response,
                tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp,
            ):
                tmp.write(response.read())
        except OSError as err:
            raise RualignError(f"cannot download {url} ({err}); on an offline machine use the tiny scale") from None
        os.replace(tmp.name, target)
    _check_sha(target, sha256, url)
    return target


def local_paths(spec: Any, where: str = "") -> dict[str, str]:
    """Every local file named (as a `path` source) anywhere in a config subtree: {dotted.key: path}."""
    found: dict[str, str] = {}
    if isinstance(spec, dict):
        if isinstance(spec.get("path"), str):
            found[where or "data"] = spec["path"]
        for key, value in spec.items():
            found.update(local_paths(value, f"{where}.{key}" if where else key))
    return found


def _load_hub(source: dict[str, Any], name: str | None) -> list[dict[str, Any]]:
    import datasets

    try:
        dataset = datasets.load_dataset(
            source["hub"], name, split=source.get("split", "test"), revision=source.get("revision")
        )
    except Exception as err:  # datasets raises many types; all mean "could not load this source"
        raise RualignError(
            f"cannot load hub dataset {source['hub']} ({name}, revision {source.get('revision')}): "
            f"{type(err).__name__}: {err}"
        ) from None
    return [json.loads(json.dumps(row, default=str)) for row in dataset]


def load_rows(source: dict[str, Any], root: str | Path) -> list[dict[str, Any]]:
    """Rows of a data source as plain dicts."""
    if "path" in source:
        path = Path(source["path"])
        path = path if path.is_absolute() else Path(root) / path
        _check_sha(path, source.get("sha256"), str(path))
        return _read_file(path)
    if "url" in source:
        return _read_file(fetch_url(source["url"], source.get("sha256")))
    if "hub" in source:
        names = source.get("name")
        if isinstance(names, list):  # one config per subject (NLPCoreTeam/mmlu_ru): concatenate, tag rows
            return [{"subject": name, **row} for name in names for row in _load_hub(source, name)]
        return _load_hub(source, names)
    raise RualignError(f"data source {source}: give path, url or hub")
