"""Wall time of every step of a finished run, from the provenance blocks (no re-running).

Usage: python benchmarks/step_times.py [RESULTS_DIR]   (default: results)
Prints one line per output (step, wall seconds, and tokens/s where tokens were generated),
then totals per step kind.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def blocks(results: Path):
    for path in sorted(results.rglob("*.json")):
        if "cache" in path.parts:
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        prov = doc.get("provenance", doc) if isinstance(doc, dict) else None
        if isinstance(prov, dict) and "wall_time_s" in prov:
            yield path, prov


def main() -> None:
    results = Path(sys.argv[1] if len(sys.argv) > 1 else "results")
    totals: dict[str, float] = defaultdict(float)
    print(f"{'output':70} {'step':18} {'wall s':>8} {'tokens/s':>9}")
    for path, prov in blocks(results):
        wall = prov["wall_time_s"]
        totals[prov["step"]] += wall
        rate = ""
        if prov.get("generated_tokens") and prov.get("backend") != "(cached)":
            rate = f"{prov['generated_tokens'] / wall:9.1f}"
        print(f"{str(path.relative_to(results)):70} {prov['step']:18} {wall:8.1f} {rate:>9}")
    print()
    for step, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{step:18} {seconds:8.1f} s")
    print(f"{'sum of steps':18} {sum(totals.values()):8.1f} s")


if __name__ == "__main__":
    main()
