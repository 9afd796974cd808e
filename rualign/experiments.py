"""The experiment graph of a config: which experiments train, and each one's lineage through its parents.

An experiment trains when it has a `stage` (the schema's default is null): its model is its parent's model
(or the base model) plus that stage. Works on raw and resolved configs alike.
"""

from __future__ import annotations

from typing import Any


class LineageError(ValueError):
    """A parent that is not an experiment, or a parent chain that loops."""


def is_trained(spec: dict[str, Any]) -> bool:
    """Whether the experiment itself trains a stage."""
    return isinstance(spec.get("stage"), dict) and bool(spec["stage"])


def ancestors(experiments: dict[str, dict[str, Any]], name: str) -> list[str]:
    """The experiment's parent, its parent's parent, ... (nearest first)."""
    out, parent = [], (experiments[name] or {}).get("parent")
    while parent is not None:
        if parent not in experiments:
            raise LineageError(f"parent '{parent}' is not an experiment")
        if parent == name or parent in out:
            raise LineageError(f"parent chain loops through '{parent}'")
        out.append(parent)
        parent = (experiments[parent] or {}).get("parent")
    return out


def lineage(experiments: dict[str, dict[str, Any]], name: str) -> list[str]:
    """The experiments from the base model to this one, this one last (an untrained one: [name])."""
    return [*reversed(ancestors(experiments, name)), name]


def model_is_trained(experiments: dict[str, dict[str, Any]], name: str) -> bool:
    """Whether the experiment's model differs from the base model: it or an ancestor trains."""
    return any(is_trained(experiments[e] or {}) for e in lineage(experiments, name))
