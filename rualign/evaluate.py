"""Evaluation steps behind scripts/: prepare benchmark items, evaluate a model, score answers.

`evaluate_model` is the workflow's evaluation step: one process per model answers every generative
benchmark and scores both MMLUs, loading the model once (a model load and Python start-up cost
more than a tiny benchmark's answers). `generate_answers` and `score_mmlu` are its per-benchmark
parts, each resumable from its own cache (rualign.resumable); `generate_answers` alone also writes
the generated reference answers (scripts/generate.py). `score_text` scores LIBRA and FLORES answers
with their kind's `score` (rualign.benchmarks).

Every step writes its outputs atomically with a provenance block (score JSON) or a
provenance sidecar (`<output>.provenance.json`) for JSONL files.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rualign import benchmarks as B
from rualign.benchmarks import mmlu
from rualign.generation import SamplingParams, make_backend, render_chat
from rualign.io import (
    RualignError,
    sha256_file,
    sidecar,
    write_json_atomic,
    write_jsonl_atomic,
)
from rualign.provenance import Provenance
from rualign.resumable import resume
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


def backend_loader(model_dir: Path, compute: dict, trust_remote_code: bool = False) -> Callable[[], Any]:
    """The model's backend, loaded on the first call and kept: steps whose answers are all cached load none."""
    return functools.cache(lambda: make_backend(model_dir, compute, trust_remote_code))


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
    backend: Callable[[], Any] | None = None,
) -> None:
    """Answer every item of a generative benchmark; resumes from the cache after an interruption.

    `spec` is the benchmark's generation spec (`Workflow.generation_spec`): max_new_tokens,
    max_prompt_tokens, and the protocol keys system_turn, prompt_truncation, flores_prompt, sampling.
    `backend` (a `backend_loader`) shares one loaded model between benchmarks."""
    items = B.read_items(items_path)
    params = sampling_params(spec, seed)
    max_prompt = spec.get("max_prompt_tokens", 0)
    prov = Provenance(
        "generate",
        inputs={"items": items_path, "model": model_dir},
        config={"benchmark": spec, "compute": compute},
        seed=seed,
    )
    settings = {"benchmark": benchmark_id, "spec": spec, "seed": seed, "items": sha256_file(items_path)}
    cache, todo = resume(f"generate {benchmark_id}", cache_dir, settings, items, model_dir)
    backend_name = "(cached)"
    if todo:
        model = (backend or backend_loader(model_dir, compute, trust_remote_code))()
        backend_name = model.name
        system_turn = spec.get("system_turn", "none")
        prompts = []
        for item in todo:
            messages, prefix = B.split_assistant_prefix(B.messages_for(benchmark_id, item, spec))
            prompts += render_chat(model.tokenizer, [messages], assistant_prefix=prefix, system_turn=system_turn)
        model.generate(
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


def score_text(
    experiment: str,
    benchmark_id: str,
    items_path: Path,
    generations_path: Path,
    spec: dict,
    evaluation: dict,
    seed: int,
    out: Path,
) -> None:
    """Score a text-scored benchmark's answers with its kind's `score` (LIBRA: EM/F1; FLORES: ROUGE)."""
    bench = B.BENCHMARKS[benchmark_id]
    if bench.kind.scored_by != "text":
        raise RualignError(f"{benchmark_id}: scored by its own step (arena: judge; mmlu: evaluate_model)")
    prov = Provenance(
        "score",
        inputs={"items": items_path, "generations": generations_path},
        config={"benchmark": spec, "evaluation": evaluation},
        seed=seed,
    )
    items = B.read_items(items_path)
    generations = _generations(generations_path, items)
    per_item, metrics = bench.kind.score(bench, items, generations, spec, evaluation, seed)
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
    cache_dir: Path,
    trust_remote_code: bool = False,
    backend: Callable[[], Any] | None = None,
) -> None:
    """Zero-shot MMLU: the likeliest option letter as the next token after the prompt.

    evaluation keys: mmlu_prompt (llmtf = the thesis's prompt with the "Ответ:"/"Answer:" assistant
    prefix and " A".." D" as candidates; rualign = ours), mmlu_aggregation (category_mean = the
    thesis's; accuracy), system_turn, prompt_truncation; spec: subject_categories for stand-in subjects.
    The candidates' log-probabilities are cached per item in `cache_dir` (resumable, and a rerun with the
    same weights and prompts loads no model); `backend` as in `generate_answers`.
    """
    prov = Provenance(
        "score_mmlu",
        inputs={"items": items_path, "model": model_dir},
        config={"benchmark": spec, "compute": compute},
        seed=seed,
    )
    items = B.read_items(items_path)
    prompt = evaluation.get("mmlu_prompt", "llmtf")
    system_turn = evaluation.get("system_turn", "none")
    truncation = evaluation.get("prompt_truncation", "left")
    max_prompt = spec.get("max_prompt_tokens", 0)
    settings = {
        "benchmark": benchmark_id,
        "language": spec["language"],
        "prompt": prompt,
        "system_turn": system_turn,
        "truncation": truncation,
        "max_prompt_tokens": max_prompt,
        "items": sha256_file(items_path),
    }
    cache, todo = resume(f"mmlu {benchmark_id}", cache_dir, settings, items, model_dir)
    if todo:
        model = (backend or backend_loader(model_dir, compute, trust_remote_code))()
        prompts = []
        for item in todo:
            messages, prefix = mmlu.mmlu_messages(item, spec["language"], prompt)
            prompts += render_chat(model.tokenizer, [messages], assistant_prefix=prefix, system_turn=system_turn)
        scores = model.next_token_logprobs(
            prompts, mmlu.mmlu_candidates(prompt), max_prompt_tokens=max_prompt, truncation=truncation
        )
        for item, row in zip(todo, scores, strict=True):
            cache.add({"id": item["id"], "logprobs": row})
    per_item, metrics = mmlu.score_mmlu(
        B.BENCHMARKS[benchmark_id],
        items,
        [cache.rows[item["id"]]["logprobs"] for item in items],
        evaluation["bootstrap_resamples"],
        seed,
        aggregation=evaluation.get("mmlu_aggregation", "category_mean"),
        subject_categories=spec.get("subject_categories") or {},
    )
    write_score(out, experiment, benchmark_id, per_item, metrics, prov, standin=spec.get("standin", False))


def evaluate_model(
    experiment: str,
    model_dir: Path,
    generation_specs: dict[str, dict],
    mmlu_specs: dict[str, dict],
    items_dir: Path,
    answers_dir: Path,
    scores_dir: Path,
    compute: dict,
    evaluation: dict,
    seed: int,
    cache_dir: Path,
    trust_remote_code: bool = False,
) -> None:
    """Every benchmark of one model in one process, the model loaded once (or never, when all is cached).

    Writes `answers_dir/<benchmark>.jsonl` for each generative benchmark of `generation_specs` (name ->
    `Workflow.generation_spec`) and `scores_dir/<benchmark>.json` for each MMLU of `mmlu_specs` (name ->
    benchmark config); items are read from `items_dir/<benchmark>.jsonl`. Each benchmark keeps its own
    cache, seeds and batches, so its outputs are those of `generate_answers` / `score_mmlu` run alone.
    """
    backend = backend_loader(model_dir, compute, trust_remote_code)
    for name, spec in generation_specs.items():
        generate_answers(
            name,
            items_dir / f"{name}.jsonl",
            model_dir,
            spec,
            compute,
            seed,
            answers_dir / f"{name}.jsonl",
            cache_dir / "generate",
            trust_remote_code,
            backend=backend,
        )
    for name, spec in mmlu_specs.items():
        score_mmlu(
            experiment,
            name,
            items_dir / f"{name}.jsonl",
            model_dir,
            spec,
            compute,
            evaluation,
            seed,
            scores_dir / f"{name}.json",
            cache_dir / "mmlu",
            trust_remote_code,
            backend=backend,
        )
