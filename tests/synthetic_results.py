"""A small synthetic results/ tree that follows the provenance contract, for audit and report tests.

Lineage of a trained experiment (as the training branches write it):
raw file / hub revision -> results/data/<recipe>/train.jsonl (+ sidecar, stats.json)
-> results/adapters/<exp>/ (provenance.json inside) -> results/models/<exp>/ (merged)
-> results/generations/<exp>/<benchmark>.jsonl (+ sidecar) -> results/scores/<exp>/<benchmark>.json
-> results/tables/<table>.tex (+ .provenance.json) and results/tables/all.
Call with the current directory at `root` (paths in provenance are relative, as in the workflow).
"""

from __future__ import annotations

import json
from pathlib import Path

from rualign.evaluate import write_score
from rualign.io import sidecar, write_json_atomic, write_jsonl_atomic
from rualign.provenance import Provenance
from rualign.tables import make_index, make_table

ROOT = Path(__file__).resolve().parents[1]
METRICS = ["judge_winrate", "answer_length", "rummlu", "babilong_qa1"]
GM_HUB = {"hub": "Vikhrmodels/GrandMaster-PRO-MAX", "revision": "0" * 40, "split": "train"}


def _folder(path: str, prov: Provenance, files: dict[str, bytes]) -> str:
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    write_json_atomic(folder / "provenance.json", prov.block())
    return path


def _jsonl(path: str, rows: list[dict], prov: Provenance) -> str:
    write_jsonl_atomic(path, rows)
    write_json_atomic(sidecar(path), prov.block())
    return path


def build(root: Path, experiments=("baseline", "gm60", "gm100"), table: str = "table5") -> dict:
    """Write the tree under `root` (the current directory); return the paths the tests need."""
    Path("data").mkdir(exist_ok=True)
    Path("data/raw_gm.jsonl").write_text('{"prompt": "Привет", "answer": "Здравствуйте"}\n', encoding="utf-8")
    base = _folder(
        "results/base_models/m",
        Provenance("base_model", config={"source": "hub", "repo_id": "Org/Base", "revision": "1" * 40}),
        {"model.safetensors": b"base weights"},
    )
    items = _jsonl(
        "results/benchmarks/ru_arena_hard.jsonl",
        [{"id": "q1", "prompt": "Вопрос"}],
        Provenance(
            "prepare_benchmark",
            inputs={"data": "data/raw_gm.jsonl"},
            config={"questions": {"path": "data/raw_gm.jsonl"}},
        ),
    )
    paths: dict = {"train": {}, "adapter": {}, "model": {}, "scores": []}
    for i, exp in enumerate(experiments):
        if exp == "baseline":
            model = base
        else:
            fraction = int(exp.removeprefix("gm")) / 100
            recipe = f"results/data/gm{int(fraction * 100)}"
            train = _jsonl(
                f"{recipe}/train.jsonl",
                [{"messages": [{"role": "user", "content": "Привет"}, {"role": "assistant", "content": "Да"}]}],
                Provenance(
                    "prepare_sft_data",
                    inputs={"raw": "data/raw_gm.jsonl"},
                    config={"source": GM_HUB, "fraction": fraction},
                    seed=1,
                ),
            )
            stats = {
                "rows_in": 100,
                "dropped": {"empty": 2, "too_long": 3},
                "kept": 95,
                "tokens_per_example": {"mean": 210.5, "p95": 480},
            }
            write_json_atomic(f"{recipe}/stats.json", stats)
            adapter = _folder(
                f"results/adapters/{exp}",
                Provenance("train", inputs={"train": train, "base_model": base}, config={"lr": 1e-4}, seed=1),
                {"adapter_model.safetensors": f"adapter {exp}".encode()},
            )
            model = _folder(
                f"results/models/{exp}",
                Provenance("merge", inputs={"adapter": adapter, "base_model": base}),
                {"model.safetensors": f"merged {exp}".encode()},
            )
            paths["train"][exp], paths["adapter"][exp], paths["model"][exp] = train, adapter, model
        gens = _jsonl(
            f"results/generations/{exp}/ru_arena_hard.jsonl",
            [{"id": "q1", "text": "Ответ", "n_tokens": 400 + 50 * i}],
            Provenance("generate", inputs={"items": items, "model": model}, config={"max_new_tokens": 8}, seed=1),
        )
        arena = Path(f"results/scores/{exp}/ru_arena_hard.json")
        block = lambda v: {"value": v, "n": 4, "ci95": [v - 0.01, v + 0.01]}  # noqa: E731
        write_score(
            arena,
            exp,
            "ru_arena_hard",
            [{"id": "q1"}],
            {"judge_winrate": block(0.10 + 0.03 * i), "answer_length": block(400.0 + 50 * i)},
            Provenance("score_arena", inputs={"generations": gens}),
        )
        mmlu = Path(f"results/scores/{exp}/rummlu.json")
        write_score(
            mmlu,
            exp,
            "rummlu",
            [{"id": "m1"}],
            {"rummlu": block(0.5 - 0.01 * i)},
            Provenance("score_mmlu", inputs={"items": items, "model": model}),
        )
        babi = Path(f"results/scores/{exp}/babilong_qa1.json")
        per_length = {"4k": 0.7 - 0.05 * i, "8k": 0.6, "16k": 0.5, "32k": 0.4 + 0.01 * i}
        write_score(
            babi,
            exp,
            "babilong_qa1",
            [{"id": "b1"}],
            {"babilong_qa1": {**block(sum(per_length.values()) / 4), "per_length": per_length}},
            Provenance("score", inputs={"generations": gens}),
            standin=True,
        )
        paths["scores"] += [arena, mmlu, babi]
    spec = {
        "caption": "SFT on GM fractions (synthetic)",
        "columns": list(experiments),
        "metrics": METRICS,
        "scale": "tiny",
        "base_model": "m",
        "judge": "m",
        "assumptions": {e: ([f"{e}: an assumption"] if e != "baseline" else []) for e in experiments},
    }
    published = Path("paper/thesis_tables.yaml")
    published.parent.mkdir(exist_ok=True)
    published.write_text((ROOT / "paper/thesis_tables.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    table_path = Path(f"results/tables/{table}.tex")
    make_table(table, spec, paths["scores"], published, table_path)
    make_index([table_path], Path("results/tables/all"))
    config = {
        "scale": "tiny",
        "seed": 1,
        "base_model": "m",
        "models": {"m": {"source": "hub", "repo_id": "Org/Base", "revision": "1" * 40}},
        "judge": {"model": "m", "backend": "local", "mode": "logprobs"},
        "evaluation": {"libra_scoring": "llmtf", "flores_lemmatize": True, "bootstrap_resamples": 10},
        "benchmarks": {"ru_arena_hard": {"questions": {"path": "data/raw_gm.jsonl"}, "limit": 1}},
        "experiments": {
            e: {
                "description": f"{e} run",
                "assumptions": spec["assumptions"][e],
                **({} if e == "baseline" else {"stage": {"type": "sft", "data": "gm", "fraction": int(e[2:])}}),
            }
            for e in experiments
        },
        "tables": {table: {k: spec[k] for k in ("caption", "columns", "metrics")}},
        "report": {"pdf": "auto"},
    }
    Path("config.json").write_text(json.dumps(config), encoding="utf-8")
    return {"table": table_path, "config": config, "published": published, **paths}
