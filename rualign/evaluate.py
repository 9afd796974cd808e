"""Evaluation steps behind scripts/: prepare benchmark items, generate answers, score.

Every step writes its outputs atomically with a provenance block (score JSON) or a
provenance sidecar (`<output>.provenance.json`) for JSONL files.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rualign import benchmarks as B
from rualign.generation import SamplingParams, make_backend, render_chat
from rualign.io import (
    JsonlCache,
    RualignError,
    cache_file,
    sha256_file,
    sidecar,
    write_json_atomic,
    write_jsonl_atomic,
)
from rualign.provenance import Provenance
from rualign.sources import local_paths

log = logging.getLogger(__name__)


def prepare_benchmark(
    benchmark_id: str, spec: dict, root: Path, seed: int, out: Path, tokenizer_dir: Path | None = None
) -> None:
    prov = Provenance(
        "prepare_benchmark", inputs={k: root / v for k, v in local_paths(spec).items()}, config=spec, seed=seed
    )
    count_tokens = None
    if tokenizer_dir is not None:
        from rualign.modeling import load_tokenizer

        tokenizer = load_tokenizer(tokenizer_dir)
        prov.inputs["tokenizer"] = str(tokenizer_dir / "tokenizer.json")
        count_tokens = lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    items = B.prepare(benchmark_id, spec, root, seed, count_tokens)
    write_jsonl_atomic(out, items)
    write_json_atomic(sidecar(out), prov.block(benchmark=benchmark_id, n_items=len(items)))
    log.info("%s: %d items -> %s", benchmark_id, len(items), out)


def generation_cache(cache_dir: Path, model_dir: Path, params: dict[str, Any]) -> Path:
    """Resume cache keyed by the generation settings and the weights (name, size, mtime: cheap to read)."""
    weights = [(w.name, w.stat().st_size, w.stat().st_mtime_ns) for w in sorted(model_dir.glob("*.safetensors"))]
    return cache_file(cache_dir, params, weights)


# llmtf_open@97b3022's default generation config (model.py _init_default_gen_params), which the
# thesis's LIBRA and FLORES runs used: they passed no generation config of their own.
LLMTF_SAMPLING = {"temperature": 0.1, "top_p": 0.9, "top_k": 40, "repetition_penalty": 1.0}


def sampling_params(spec: dict, seed: int) -> SamplingParams:
    """Decoding of a generative benchmark from its generation spec's `sampling`: a mapping of explicit
    settings (the arena's temperature, top_p, top_k, repetition_penalty), `llmtf` (LLMTF_SAMPLING, the
    thesis's LIBRA/FLORES) or `greedy` (temperature 0; the default when the spec names none)."""
    sampling = spec.get("sampling", "greedy")
    if isinstance(sampling, dict):
        settings = sampling
    elif sampling in ("llmtf", "greedy"):
        settings = LLMTF_SAMPLING if sampling == "llmtf" else {}
    else:
        raise RualignError(f"unknown sampling {sampling!r} (expected llmtf, greedy or a mapping of settings)")
    return SamplingParams(max_new_tokens=spec["max_new_tokens"], seed=seed, **settings)


def generate_answers(
    benchmark_id: str,
    items_path: Path,
    model_dir: Path,
    spec: dict,
    compute: dict,
    seed: int,
    out: Path,
    cache_dir: Path,
    trust_remote_code: bool = False,
) -> None:
    """Answer every item of a generative benchmark; resumes from the cache after an interruption.

    `spec` is the benchmark's generation spec (`Workflow.generation_spec`): max_new_tokens,
    max_prompt_tokens, and the protocol keys system_turn, prompt_truncation, flores_prompt, sampling."""
    items = B.read_items(items_path)
    params = sampling_params(spec, seed)
    max_prompt = spec.get("max_prompt_tokens", 0)
    prov = Provenance(
        "generate",
        inputs={"items": items_path, "model": model_dir},
        config={"benchmark": spec, "compute": compute},
        seed=seed,
    )
    key = {"benchmark": benchmark_id, "spec": spec, "seed": seed, "items": sha256_file(items_path)}
    cache = JsonlCache(generation_cache(cache_dir, model_dir, key))
    todo = [item for item in items if item["id"] not in cache]
    log.info("%s: %d items, %d cached, %d to generate", benchmark_id, len(items), len(items) - len(todo), len(todo))
    backend_name = "(cached)"
    if todo:
        backend = make_backend(model_dir, compute, trust_remote_code)
        backend_name = backend.name
        system_turn = spec.get("system_turn", "none")
        prompts = []
        for item in todo:
            messages, prefix = B.split_assistant_prefix(B.messages_for(benchmark_id, item, spec))
            prompts += render_chat(backend.tokenizer, [messages], assistant_prefix=prefix, system_turn=system_turn)
        backend.generate(
            prompts,
            params,
            max_prompt_tokens=max_prompt,
            on_result=lambda i, result: cache.add({"id": todo[i]["id"], **result}),
            truncation=spec.get("prompt_truncation", "left"),
        )
    rows = [cache.rows[item["id"]] for item in items]
    write_jsonl_atomic(out, rows)
    write_json_atomic(
        sidecar(out),
        prov.block(
            benchmark=benchmark_id, backend=backend_name, n=len(rows), generated_tokens=sum(r["n_tokens"] for r in rows)
        ),
    )


def _generations(path: Path, items: list[dict]) -> dict[str, dict]:
    rows = {row["id"]: row for row in B.read_items(path)}
    missing = [item["id"] for item in items if item["id"] not in rows]
    if missing:
        raise RualignError(f"{path}: no answer for {len(missing)} item(s), e.g. {missing[:3]}")
    return rows


def write_score(
    out: Path,
    experiment: str,
    benchmark_id: str,
    per_item: list[dict],
    metrics: dict[str, Any],
    prov: Provenance,
    **extra: Any,
) -> None:
    items_out = out.with_name(out.stem + ".items.jsonl")
    write_jsonl_atomic(items_out, per_item)
    write_json_atomic(
        out,
        {
            "experiment": experiment,
            "benchmark": benchmark_id,
            "metrics": metrics,
            "items_file": str(items_out),
            **extra,
            "provenance": prov.block(),
        },
    )


def score_generations(
    experiment: str,
    benchmark_id: str,
    items_path: Path,
    generations_path: Path,
    spec: dict,
    evaluation: dict,
    seed: int,
    out: Path,
) -> None:
    bench = B.BENCHMARKS[benchmark_id]
    prov = Provenance(
        "score",
        inputs={"items": items_path, "generations": generations_path},
        config={"benchmark": spec, "evaluation": evaluation},
        seed=seed,
    )
    items = B.read_items(items_path)
    generations = _generations(generations_path, items)
    resamples = evaluation["bootstrap_resamples"]
    if bench.kind == "libra":
        per_item, metrics = B.score_libra(
            benchmark_id,
            items,
            generations,
            spec,
            evaluation["libra_scoring"],
            resamples,
            seed,
            length_decimals=evaluation.get("libra_length_decimals", 3),
            length_mean=evaluation.get("libra_length_mean", "present"),
        )
    elif bench.kind == "flores":
        per_item, metrics = B.score_flores(
            benchmark_id,
            items,
            generations,
            evaluation["flores_lemmatize"],
            resamples,
            seed,
            tokenizer=evaluation.get("flores_tokenizer", "llmtf"),
        )
    else:
        raise RualignError(f"{benchmark_id}: scored by its own step (arena: judge; mmlu: log-likelihood)")
    write_score(out, experiment, benchmark_id, per_item, metrics, prov, standin=spec.get("standin", False))


def score_mmlu(
    experiment: str,
    benchmark_id: str,
    items_path: Path,
    model_dir: Path,
    spec: dict,
    compute: dict,
    evaluation: dict,
    seed: int,
    out: Path,
    trust_remote_code: bool = False,
) -> None:
    """Zero-shot MMLU: the likeliest option letter as the next token after the prompt.

    evaluation keys: mmlu_prompt (llmtf = the thesis's prompt with the "Ответ:"/"Answer:" assistant
    prefix and " A".." D" as candidates; rualign = ours), mmlu_aggregation (category_mean = the
    thesis's; accuracy), system_turn, prompt_truncation; spec: subject_categories for stand-in subjects.
    """
    prov = Provenance(
        "score_mmlu",
        inputs={"items": items_path, "model": model_dir},
        config={"benchmark": spec, "compute": compute},
        seed=seed,
    )
    items = B.read_items(items_path)
    backend = make_backend(model_dir, compute, trust_remote_code)
    prompt = evaluation.get("mmlu_prompt", "llmtf")
    prompts = []
    for item in items:
        messages, prefix = B.mmlu_messages(item, spec["language"], prompt)
        prompts += render_chat(
            backend.tokenizer, [messages], assistant_prefix=prefix, system_turn=evaluation.get("system_turn", "none")
        )
    logprobs = backend.next_token_logprobs(
        prompts,
        B.mmlu_candidates(prompt),
        max_prompt_tokens=spec.get("max_prompt_tokens", 0),
        truncation=evaluation.get("prompt_truncation", "left"),
    )
    per_item, metrics = B.score_mmlu(
        benchmark_id,
        items,
        logprobs,
        evaluation["bootstrap_resamples"],
        seed,
        aggregation=evaluation.get("mmlu_aggregation", "category_mean"),
        subject_categories=spec.get("subject_categories") or {},
    )
    write_score(out, experiment, benchmark_id, per_item, metrics, prov, standin=spec.get("standin", False))
