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
import random
from pathlib import Path

from rualign import checks
from rualign.evaluate import write_score
from rualign.io import sidecar, write_json_atomic, write_jsonl_atomic
from rualign.provenance import Provenance
from rualign.tables import make_index, make_table

ROOT = Path(__file__).resolve().parents[1]
METRICS = ["judge_winrate", "answer_length", "rummlu", "babilong_qa1"]
GM_RECIPE = {"dataset": "grandmaster_pro_max", "validation_share": 0.05}
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


def recipe_stats(name: str, recipe: dict, seed: int = 0) -> dict:
    """A results/data/<recipe>/stats.json as rualign.training_data.recipe_step writes it (normalise block,
    filters in order with in/kept/dropped and their extras, split, tokens per training example)."""
    rng = random.Random(f"{seed}:{name}")
    read = rng.randint(900, 1200)
    bad = {"type:messages": rng.randint(0, 3)} if rng.random() < 0.5 else {}
    rows = read - sum(bad.values())
    filters, current = [], rows

    def step(label: str, keep: float, **extra) -> None:
        nonlocal current
        kept = int(current * keep)
        filters.append({"filter": label, "in": current, "kept": kept, "dropped": current - kept, **extra})
        current = kept

    if recipe.get("meta_equals"):
        step(f"meta {recipe['meta_equals']}", 0.71)
    if recipe.get("min_opus_score") is not None:
        step(f"opus_score >= {recipe['min_opus_score']}", 0.42)
    if recipe.get("judge_scores") is not None:
        step(f"judge score in {recipe['judge_scores']}", 0.55 if len(recipe["judge_scores"]) > 1 else 0.3)
    if recipe.get("ood_share") is not None:
        step(f"ood share {recipe['ood_share']}", 0.93, ood_kept=int(current * recipe["ood_share"]), ood_share=0.09)
    if recipe.get("max_length_ratio") is not None:
        step(
            f"pair checks (max_length_ratio {recipe['max_length_ratio']})",
            0.8,
            dropped_by={"identical_answers": 2, "length_ratio": int(current * 0.2) - 2},
        )
    n_val = round(recipe.get("validation_share", 0.0) * current)
    stats = {
        "recipe": name,
        "dataset": recipe.get("dataset", "?"),
        "normalise": {"dataset": recipe.get("dataset", "?"), "rows_read": read, "bad_rows_dropped": bad, "rows": rows},
        "rows_in": rows,
        "filters": filters,
        "train_rows": current - n_val,
        "validation_rows": n_val,
        "train_tokens_per_example": {
            "mean": round(rng.uniform(150, 400), 1),
            "p95": rng.randint(500, 900),
            "max": 1400,
        },
        "train_tokens_total": (current - n_val) * 250,
    }
    if recipe.get("judge_scores") is not None:
        stats["judge_score_histogram"] = {"1": 40, "2": 150, "3": 300, "4": 350, "5": 160}
    return stats


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
                    "prepare_recipe",
                    inputs={"raw": "data/raw_gm.jsonl"},
                    config={"source": GM_HUB, "fraction": fraction},
                    seed=1,
                ),
            )
            write_json_atomic(f"{recipe}/stats.json", recipe_stats(f"gm{int(fraction * 100)}", GM_RECIPE))
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


BENCHMARK_METRICS = {  # benchmark -> the metrics its score file reports
    "ru_arena_hard": ["judge_winrate", "answer_length"],
    **{b: [b] for b in ["rummlu", "enmmlu", *(f"babilong_qa{i}" for i in range(1, 6))]},
    **{b: [b] for b in ["ruqasper", "flores_en_ru", "flores_ru_en"]},
}


def build_full(root: Path, tables: list[str] | None = None, canaries: bool = False, seed: int = 0) -> dict:
    """Every configured table of the real config.yaml (tiny scale, resolved) with synthetic scores near
    the published ones (95 % CIs included), every trained recipe's stats.json, optionally canary
    experiments; for rendering a report as a full build would. Call with the current directory at root."""
    import yaml

    from rualign import config as config_mod

    config = config_mod.load(ROOT / "config.yaml")
    tables = tables or list(config["tables"])
    published = Path("paper/thesis_tables.yaml")
    published.parent.mkdir(exist_ok=True)
    published.write_text((ROOT / "paper/thesis_tables.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    thesis = yaml.safe_load(published.read_text(encoding="utf-8"))
    paper_values: dict[str, dict[str, float]] = {}
    for t in thesis["tables"].values():
        for exp, values in t.get("columns", {}).items():
            paper_values.setdefault(exp, dict(zip(thesis["metrics"], values, strict=True)))
    if not canaries:  # the tiny scale's pipeline checks left out
        for exp in config["experiments"].values():
            exp["canary"] = None
    rng = random.Random(seed)
    score_files: dict[str, list[Path]] = {}
    experiments = list(dict.fromkeys(c for t in tables for c in config["tables"][t]["columns"]))
    for exp in experiments:
        paper = paper_values.get(exp, paper_values["baseline"])
        score_files[exp] = []
        for bench, metrics in BENCHMARK_METRICS.items():
            blocks = {}
            for metric in metrics:
                if metric == "answer_length":
                    value = paper[metric] * rng.uniform(0.15, 0.3)
                    blocks[metric] = {"value": value, "n": 24, "ci95": [value * 0.8, value * 1.2]}
                    continue
                value = min(1.0, max(0.0, paper[metric] * rng.uniform(0.3, 1.1)))
                half = rng.uniform(0.03, 0.15)
                blocks[metric] = {"value": value, "n": 12, "ci95": [max(0.0, value - half), min(1.0, value + half)]}
                if metric.startswith("babilong"):
                    blocks[metric]["per_length"] = {"0.25k": min(1.0, value * 1.3), "0.5k": value * 0.7}
            path = Path(f"results/scores/{exp}/{bench}.json")
            write_score(path, exp, bench, [{"id": "x"}], blocks, Provenance("score"), standin=bench == "rummlu")
            score_files[exp].append(path)
    if canaries:  # the check runs: bAbI canary well above the baseline (its shuffled control in between);
        # the short-answer SimPO canary well below the baseline's answer length, the long one above it
        values = {  # (experiment, benchmark) -> value, CI half-width
            ("baseline", "babilong_qa1"): (0.0, 0.0),
            ("check-babi-qa1", "babilong_qa1"): (0.45, 0.1),
            ("check-babi-qa1-shuffled", "babilong_qa1"): (0.2, 0.1),
            ("baseline", "ru_arena_hard"): (31.0, 2.0),
            ("check-simpo-short", "ru_arena_hard"): (17.0, 5.0),
            ("check-simpo-long", "ru_arena_hard"): (32.0, 3.0),
        }
        for exp, bench in checks.runs(config["experiments"]):
            (value, half), metric = values[exp, bench], "answer_length" if bench == "ru_arena_hard" else bench
            block = {"value": value, "n": 20, "ci95": [max(0.0, value - half), value + half]}
            path = checks.score_path(exp, bench)
            write_score(path, exp, bench, [{"id": "x"}], {metric: block}, Provenance("score"), standin=True)
        checks.check_all(config["experiments"], Path("."), checks.VERDICTS)
    for name, recipe in config["data_recipes"].items():
        write_json_atomic(f"results/data/{name}/stats.json", recipe_stats(name, recipe, seed))
    table_paths = []
    for table in tables:
        spec = {
            **config["tables"][table],
            "metrics": thesis["metrics"],
            "scale": "tiny",
            "base_model": config["base_model"],
            "judge": config["judge"]["model"],
        }
        out = Path(f"results/tables/{table}.tex")
        make_table(table, spec, [f for c in spec["columns"] for f in score_files[c]], published, out)
        table_paths.append(out)
    make_index(table_paths, Path("results/tables/all"))
    return {"config": config, "tables": table_paths, "published": published}
