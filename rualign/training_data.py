"""Training data, SFT and preference: raw datasets -> one format -> recipe filters -> seeded split -> fractions.

Each step is a rule with a file output (`*_step` and `generate_rejected` are what scripts/ call):

1. `normalise` (rule normalise_dataset): a raw dataset (repo file or hub revision) becomes rows in one format,
   SFT  {"id", "dataset", "messages": [{"role", "content"}], "meta": {...}}
   pref {"id", "dataset", "prompt": [...], "chosen": [assistant], "rejected": [assistant], "meta"}
   A bad row (invalid UTF-8 or JSON, missing field, wrong type, empty answer, unknown role) is an
   error naming file, line and field, or, with `on_bad_row: drop`, dropped and counted.
   LLM-judge scores of RAG rows (rule judge_dataset, `judge_step`: rualign.data_judge) and
   self-generated rejected answers (rule generate_rejected, `generate_rejected`) are steps beside it.
2. `build_recipe` (rule prepare_recipe): a seeded shuffle of the normalised rows, then the recipe's
   filters in that order (opus_score threshold, LLM-judge score set, ood share, preference pair
   checks), then the validation split (the first rows of the shuffled, filtered order, equal rows
   kept on one side) and the train rows (the rest).
3. `take_fraction` (rule take_fraction): the first ceil(p % of n) train rows. Every fraction is a
   prefix of one shuffled order, so the 60 % set is inside the 80 % set and fraction ablations
   compare like with like.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rualign.io import DataError, RualignError, read_jsonl, sidecar
from rualign.sources import load_rows

log = logging.getLogger(__name__)

CHAT_ROLES = ("system", "user", "assistant")


class BadRow(Exception):
    """One row that does not match its dataset's schema; `reason` is the counter key in stats."""

    def __init__(self, field: str, reason: str, detail: str):
        super().__init__(detail)
        self.field, self.reason = field, reason


# ---------------------------------------------------------------- raw rows
def iter_raw_rows(source: dict[str, Any], root: str | Path) -> Iterator[tuple[str, int, dict | BadRow]]:
    """(where, line/row number, row or BadRow). Repo files are read line by line so that a
    non-UTF-8 or broken line is reported (or dropped) on its own; hub rows come from `datasets`."""
    if "path" not in source:
        where = f"{source.get('hub') or source.get('url')}@{source.get('revision', '?')}"
        for index, row in enumerate(load_rows(source, root), start=1):
            yield where, index, row
        return
    path = Path(source["path"])
    path = path if path.is_absolute() else Path(root) / path
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as err:
                yield str(path), lineno, BadRow("-", "invalid_utf8", f"not valid UTF-8 ({err.reason})")
                continue
            except json.JSONDecodeError as err:
                yield str(path), lineno, BadRow("-", "invalid_json", f"not valid JSON ({err.msg})")
                continue
            if not isinstance(row, dict):
                yield str(path), lineno, BadRow("-", "not_object", "expected a JSON object")
                continue
            yield str(path), lineno, row


def _messages(
    row: dict,
    field: str,
    documents_role: str | None,
    role_map: dict | None = None,
    documents_mode: str = "system",
) -> list[dict[str, str]]:
    """A message list in the common format. A documents turn (Grounded-RAG) is merged into the
    system message (documents_mode="system", ours), because ordinary chat templates know only
    system/user/assistant; documents_mode="drop" leaves it out, which is what the thesis's
    Qwen2.5 chat template did with the unknown role (it rendered nothing for it)."""
    if field not in row:
        raise BadRow(field, f"missing:{field}", f"missing field '{field}'")
    value = row[field]
    if not isinstance(value, list) or not value:
        raise BadRow(field, f"type:{field}", f"field '{field}' must be a non-empty list of messages")
    messages: list[dict[str, str]] = []
    documents: list[str] = []
    for i, message in enumerate(value):
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            raise BadRow(field, f"type:{field}", f"field '{field}[{i}]' must be an object with string 'content'")
        role = (role_map or {}).get(message.get("role"), message.get("role"))
        if documents_role and role == documents_role:
            documents.append(message["content"])
            continue
        if role not in CHAT_ROLES:
            raise BadRow(field, f"role:{field}", f"field '{field}[{i}].role' is '{role}', expected one of {CHAT_ROLES}")
        messages.append({"role": role, "content": message["content"]})
    if documents and documents_mode == "system":
        block = "Документы:\n" + "\n\n".join(documents)
        if messages and messages[0]["role"] == "system":
            messages[0] = {"role": "system", "content": f"{messages[0]['content']}\n\n{block}"}
        else:
            messages.insert(0, {"role": "system", "content": block})
    return messages


def _check_answer(messages: list[dict[str, str]], field: str) -> None:
    if messages[-1]["role"] != "assistant":
        raise BadRow(field, f"last_role:{field}", f"field '{field}' must end with an assistant message")
    for message in messages:
        if message["role"] == "assistant" and not message["content"].strip():
            raise BadRow(field, "empty_answer", f"field '{field}' has an empty assistant answer")


def _meta(row: dict, spec: dict) -> dict[str, Any]:
    meta = {}
    for field, expected in spec.get("meta_fields", {}).items():
        if field not in row or row[field] is None:
            raise BadRow(field, f"missing:{field}", f"missing field '{field}'")
        value = row[field]
        ok = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "string": isinstance(value, str),
            "bool": isinstance(value, bool),
        }[expected]
        if not ok:
            raise BadRow(field, f"type:{field}", f"field '{field}' must be {expected}, got {type(value).__name__}")
        meta[field] = value
    return meta


def normalise_row(row: dict, spec: dict, dataset: str, index: int) -> dict[str, Any]:
    """One raw row in the common format (raises BadRow)."""
    fields, documents_role, role_map = spec["fields"], spec.get("documents_role"), spec.get("role_map")
    documents_mode = spec.get("documents_mode", "system")
    normal: dict[str, Any] = {"id": f"{dataset}:{index}", "dataset": dataset}
    if spec["kind"] == "chat":
        normal["messages"] = _messages(row, fields["messages"], documents_role, role_map, documents_mode)
        _check_answer(normal["messages"], fields["messages"])
    else:
        prompt = _messages(row, fields["prompt"], documents_role, role_map, documents_mode)
        if prompt[-1]["role"] != "user":
            raise BadRow(fields["prompt"], "last_role:prompt", f"field '{fields['prompt']}' must end with a user turn")
        normal["prompt"] = prompt
        for side in ("chosen", "rejected"):
            value = row.get(fields[side])
            if isinstance(value, str):  # some sets store the answer as plain text
                row = {**row, fields[side]: [{"role": "assistant", "content": value}]}
            answer = _messages(row, fields[side], None, role_map)
            if len(answer) != 1 or answer[0]["role"] != "assistant":
                raise BadRow(fields[side], f"type:{side}", f"field '{fields[side]}' must be one assistant message")
            if side == "chosen" and not answer[0]["content"].strip():
                # An empty rejected answer is a pair-check drop (recipe stats); an empty chosen one is a bad row.
                raise BadRow(fields[side], "empty_answer", f"field '{fields[side]}' has an empty chosen answer")
            normal[side] = answer
    normal["meta"] = _meta(row, spec)
    return normal


def normalise(dataset: str, spec: dict, root: str | Path, on_bad_row: str) -> tuple[list[dict], dict[str, Any]]:
    """All rows of a raw dataset in the common format, and counts of what was read and dropped."""
    rows, dropped = [], Counter()
    read = 0
    for where, index, raw in iter_raw_rows(spec["source"], root):
        read += 1
        try:
            if isinstance(raw, BadRow):
                raise raw
            rows.append(normalise_row(raw, spec, dataset, index))
        except BadRow as bad:
            if on_bad_row == "error":
                raise DataError(
                    f"{where}:{index}: {bad} (dataset '{dataset}'; set on_bad_row: drop to drop such rows)"
                ) from None
            dropped[bad.reason] += 1
    if not rows:
        raise DataError(f"dataset '{dataset}': no usable rows in {spec['source']}")
    stats = {
        "dataset": dataset,
        "rows_read": read,
        "bad_rows_dropped": dict(sorted(dropped.items())),
        "rows": len(rows),
    }
    log.info("%s: %d rows read, %d kept, dropped %s", dataset, read, len(rows), dict(dropped))
    return rows, stats


# ---------------------------------------------------------------- recipes
def seeded_order(rows: list[dict], seed: int) -> list[dict]:
    """A shuffle that depends only on the seed and the row ids (not on the input order)."""
    ordered = sorted(rows, key=lambda r: r["id"])
    random.Random(seed).shuffle(ordered)
    return ordered


def filter_opus_score(rows: list[dict], threshold: int) -> list[dict]:
    missing = [r["id"] for r in rows if "opus_score" not in r["meta"]]
    if missing:
        raise RualignError(f"min_opus_score needs meta field opus_score; rows {missing[:3]} lack it")
    return [r for r in rows if r["meta"]["opus_score"] >= threshold]


def filter_judge_scores(rows: list[dict], scores: dict[str, int], keep: list[int], spec: dict) -> list[dict]:
    """Keep in-domain rows whose judge score is in `keep`; ood rows (refusals) are not score-filtered,
    as in the thesis code."""
    missing = [r["id"] for r in rows if r["id"] not in scores]
    if missing:
        raise RualignError(f"judge scores missing for {len(missing)} row(s), e.g. {missing[:3]}")
    return [r for r in rows if is_ood(r, spec) or scores[r["id"]] in keep]


def is_ood(row: dict, spec: dict) -> bool:
    field = spec.get("ood_field")
    return bool(field) and row["meta"].get(field) in spec.get("ood_values", [])


def apply_ood_share(rows: list[dict], share: float, spec: dict) -> list[dict]:
    """Keep every in-domain row and the first int(share x in-domain) ood rows in shuffled order
    (the thesis code's rule: the ood count is a share of the in-domain rows kept)."""
    n_ood = int(share * sum(not is_ood(r, spec) for r in rows))
    keep = {r["id"] for r in [r for r in rows if is_ood(r, spec)][:n_ood]}
    return [r for r in rows if not is_ood(r, spec) or r["id"] in keep]


def pair_problems(row: dict, count: Callable[[str], int], recipe: dict, seed: int) -> str | None:
    """Why a preference pair is dropped, or None.

    The length ratio is one-sided as in the thesis: a pair whose chosen answer is more than
    `max_length_ratio` times as long as the rejected one is dropped, except a seeded-hash share
    `length_ratio_keep_share` of such pairs (the thesis code kept ~20 % of them: "max_length_ratio_prob").
    """
    chosen, rejected = row["chosen"][0]["content"].strip(), row["rejected"][0]["content"].strip()
    if not chosen or not rejected:
        return "empty_answer"
    if chosen == rejected:
        return "identical_answers"
    ratio = recipe.get("max_length_ratio")
    if ratio is not None:
        measure = len if recipe.get("length_unit") == "chars" else count
        if measure(chosen) > ratio * measure(rejected) and hash_share(row["id"], seed) >= recipe.get(
            "length_ratio_keep_share", 0.0
        ):
            return "length_ratio"
    return None


def hash_share(key: str, seed: int) -> float:
    """A number in [0, 1) fixed by the key and the seed (stable across runs and machines)."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def filter_meta(rows: list[dict], wanted: dict[str, Any]) -> list[dict]:
    missing = [r["id"] for r in rows if any(k not in r["meta"] for k in wanted)]
    if missing:
        raise RualignError(f"meta_equals needs meta fields {sorted(wanted)}; rows {missing[:3]} lack them")
    return [r for r in rows if all(r["meta"][k] == v for k, v in wanted.items())]


def content_key(row: dict) -> str:
    """sha256 of a row's text (messages, or prompt + chosen + rejected) with whitespace normalised:
    rows that differ only in id, meta or spacing share a key."""
    parts = {field: row[field] for field in ("messages", "prompt", "chosen", "rejected") if field in row}
    text = {
        field: [[m.get("role"), " ".join(str(m.get("content", "")).split())] for m in messages]
        for field, messages in parts.items()
    }
    return hashlib.sha256(json.dumps(text, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def split_validation(rows: list[dict], share: float) -> tuple[list[dict], list[dict]]:
    """(train, validation): about round(share * n) rows (at least one if share > 0) validate.

    Rows with the same content (`content_key`) always land on the same side, so a duplicated row
    cannot leak from train into validation: walking the seeded order, whole groups of equal rows
    are held out until the target is reached (train keeps at least one row). Without duplicates
    this is the first round(share * n) rows, as before.
    """
    n_val = min(len(rows) - 1, max(1, round(share * len(rows)))) if share > 0 and len(rows) > 1 else 0
    if not n_val:
        return list(rows), []
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(content_key(row), []).append(index)
    held: set[int] = set()
    for indices in groups.values():  # first-appearance order of the seeded order
        if len(held) >= n_val:
            break
        if len(held) + len(indices) <= len(rows) - 1:
            held.update(indices)
    return [r for i, r in enumerate(rows) if i not in held], [r for i, r in enumerate(rows) if i in held]


def token_stats(lengths: list[int]) -> dict[str, float]:
    if not lengths:
        return {"mean": 0.0, "p95": 0.0, "max": 0}
    ordered = sorted(lengths)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"mean": round(sum(lengths) / len(lengths), 1), "p95": p95, "max": ordered[-1]}


def build_recipe(
    rows: list[dict],
    recipe: dict,
    dataset_spec: dict,
    seed: int,
    count_tokens: Callable[[str], int],
    render: Callable[[list[dict]], str],
    judge_scores: dict[str, int] | None = None,
) -> tuple[list[dict], list[dict], dict[str, Any]]:
    """(train, validation, stats) of a recipe over normalised rows."""
    steps: list[dict[str, Any]] = []

    def step(name: str, before: list[dict], after: list[dict], **extra: Any) -> list[dict]:
        steps.append({"filter": name, "in": len(before), "kept": len(after), "dropped": len(before) - len(after)})
        steps[-1].update(extra)
        return after

    current = seeded_order(rows, seed)
    if recipe.get("meta_equals"):
        wanted = dict(sorted(recipe["meta_equals"].items()))  # the label does not depend on the config's key order
        current = step(f"meta {wanted}", current, filter_meta(current, wanted))
    if recipe.get("min_opus_score") is not None:
        threshold = recipe["min_opus_score"]
        current = step(f"opus_score >= {threshold}", current, filter_opus_score(current, threshold))
    if recipe.get("judge_scores") is not None:
        if judge_scores is None:
            raise RualignError("recipe filters on judge_scores but no judge scores were given")
        keep = recipe["judge_scores"]
        current = step(
            f"judge score in {keep}", current, filter_judge_scores(current, judge_scores, keep, dataset_spec)
        )
    if recipe.get("ood_share") is not None:
        kept = apply_ood_share(current, recipe["ood_share"], dataset_spec)
        n_ood = sum(is_ood(r, dataset_spec) for r in kept)
        current = step(
            f"ood share {recipe['ood_share']}",
            current,
            kept,
            ood_kept=n_ood,
            ood_share=round(n_ood / max(1, len(kept)), 4),
        )
    if dataset_spec["kind"] == "preference":
        reasons = {r["id"]: pair_problems(r, count_tokens, recipe, seed) for r in current}
        counts = Counter(reason for reason in reasons.values() if reason)
        current = step(
            f"pair checks (max_length_ratio {recipe.get('max_length_ratio')})",
            current,
            [r for r in current if reasons[r["id"]] is None],
            dropped_by=dict(sorted(counts.items())),
        )
    if not current:
        raise RualignError(f"recipe over dataset '{recipe['dataset']}' keeps no rows: {steps}")
    train, validation = split_validation(current, recipe["validation_share"])
    if dataset_spec["kind"] == "chat":
        lengths = [count_tokens(render(r["messages"])) for r in train]
    else:
        lengths = [count_tokens(render(r["prompt"] + r["chosen"])) for r in train]
    stats = {
        "rows_in": len(rows),
        "filters": steps,
        "train_rows": len(train),
        "validation_rows": len(validation),
        "train_tokens_per_example": token_stats(lengths),
        "train_tokens_total": sum(lengths),
    }
    if judge_scores is not None:
        stats["judge_score_histogram"] = dict(sorted(Counter(str(judge_scores[r["id"]]) for r in rows).items()))
    return train, validation, stats


def take_fraction(rows: list[dict], percent: int) -> list[dict]:
    """The first ceil(percent % of n) rows: fractions of one order nest inside each other."""
    if not 0 < percent <= 100:
        raise RualignError(f"fraction must be in 1..100 percent, got {percent}")
    return rows[: math.ceil(len(rows) * percent / 100)]


def read_normalised(path: str | Path) -> list[dict]:
    return read_jsonl(path, required={"id": str, "dataset": str, "meta": dict})


# ---------------------------------------------------------------- steps (files in, files out)
def normalise_step(dataset: str, spec: dict, root: Path, on_bad_row: str, out: Path, stats_out: Path) -> None:
    from rualign.io import write_json_atomic, write_jsonl_atomic
    from rualign.provenance import Provenance
    from rualign.sources import local_paths

    inputs = {k: root / v for k, v in local_paths(spec["source"]).items()}
    prov = Provenance("normalise_dataset", inputs=inputs, config={"dataset": dataset, **spec, "on_bad_row": on_bad_row})
    rows, stats = normalise(dataset, spec, root, on_bad_row)
    write_jsonl_atomic(out, rows)
    write_json_atomic(stats_out, stats)
    write_json_atomic(sidecar(out), prov.block(**stats))


def judge_step(
    rows_path: Path,
    judge_cfg: dict,
    compute: dict,
    judge_model_dir: Path | None,
    out: Path,
    cache_dir: Path,
    trust_remote_code: bool = False,
) -> None:
    from rualign.data_judge import score_rows
    from rualign.io import write_json_atomic, write_jsonl_atomic
    from rualign.provenance import Provenance

    inputs = {"rows": rows_path, **({"judge_model": judge_model_dir} if judge_model_dir else {})}
    prov = Provenance("judge_dataset", inputs=inputs, config={"judge": judge_cfg, "compute": compute})
    rows = read_normalised(rows_path)
    judged = score_rows(rows, rows_path, judge_cfg, compute, judge_model_dir, cache_dir, trust_remote_code)
    write_jsonl_atomic(out, judged)
    histogram = dict(sorted(Counter(str(j["score"]) for j in judged).items()))
    write_json_atomic(sidecar(out), prov.block(n_rows=len(judged), score_histogram=histogram))


def recipe_step(
    recipe_name: str,
    recipe: dict,
    dataset_spec: dict,
    rows_path: Path,
    normalise_stats: Path,
    tokenizer_dir: Path,
    seed: int,
    train_out: Path,
    validation_out: Path,
    stats_out: Path,
    scores_path: Path | None = None,
) -> None:
    from rualign.io import read_json, write_json_atomic, write_jsonl_atomic
    from rualign.modeling import load_tokenizer
    from rualign.provenance import Provenance

    inputs = {"rows": rows_path, "tokenizer": tokenizer_dir / "tokenizer.json"}
    if scores_path:
        inputs["judge_scores"] = scores_path
    prov = Provenance("prepare_recipe", inputs=inputs, config={"recipe": recipe_name, **recipe}, seed=seed)
    tokenizer = load_tokenizer(tokenizer_dir)
    count = lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])  # noqa: E731
    render = lambda messages: tokenizer.apply_chat_template(messages, tokenize=False)  # noqa: E731
    scores = None
    if scores_path:
        scores = {r["id"]: r["score"] for r in read_jsonl(scores_path, required={"id": str, "score": int})}
    rows = read_normalised(rows_path)
    train, validation, stats = build_recipe(rows, recipe, dataset_spec, seed, count, render, scores)
    stats = {"recipe": recipe_name, "dataset": recipe["dataset"], "normalise": read_json(normalise_stats), **stats}
    write_jsonl_atomic(train_out, train)
    write_jsonl_atomic(validation_out, validation)
    write_json_atomic(stats_out, stats)
    block = prov.block(train_rows=len(train), validation_rows=len(validation))
    write_json_atomic(sidecar(train_out), block)
    write_json_atomic(sidecar(validation_out), block)
    log.info("%s: %d train, %d validation rows; filters %s", recipe_name, len(train), len(validation), stats["filters"])


def fraction_step(train_path: Path, percent: int, out: Path) -> None:
    from rualign.io import write_json_atomic, write_jsonl_atomic
    from rualign.provenance import Provenance

    prov = Provenance("take_fraction", inputs={"train": train_path}, config={"percent": percent})
    rows = read_normalised(train_path)
    kept = take_fraction(rows, percent)
    write_jsonl_atomic(out, kept)
    write_json_atomic(sidecar(out), prov.block(rows_in=len(rows), rows_kept=len(kept)))


def generate_rejected(
    rows_path: Path,
    model_dir: Path,
    generator: dict,
    compute: dict,
    seed: int,
    out: Path,
    cache_dir: Path,
    trust_remote_code: bool = False,
) -> None:
    """Preference rows whose rejected answers are the model's own samples (thesis table 11).

    Each prompt is answered once at the configured temperature/top_p; the chosen answer stays.
    Generations are cached per row id, so an interrupted job resumes. Empty generations are kept
    (the recipe's pair checks drop and count them, as the thesis code dropped them).
    """
    from rualign.generation import SamplingParams, make_backend, render_chat
    from rualign.io import sha256_file, write_json_atomic, write_jsonl_atomic
    from rualign.provenance import Provenance
    from rualign.resumable import resume

    prov = Provenance(
        "generate_rejected", inputs={"rows": rows_path, "model": model_dir}, config={"generator": generator}, seed=seed
    )
    rows = read_normalised(rows_path)
    settings = {"generator": generator, "seed": seed, "rows": sha256_file(rows_path)}
    cache, todo = resume("generate_rejected", cache_dir, settings, rows, model_dir)
    if todo:
        backend = make_backend(model_dir, compute, trust_remote_code)
        params = SamplingParams(
            max_new_tokens=generator["max_new_tokens"],
            temperature=generator["temperature"],
            top_p=generator["top_p"],
            seed=seed,
        )
        backend.generate(
            # Training data, not the thesis's llmtf evaluation: the chat template as it is, and
            # over-long prompts keep head and tail (the behaviour these files were built with).
            render_chat(backend.tokenizer, [r["prompt"] for r in todo], system_turn="model_default"),
            params,
            max_prompt_tokens=generator["max_prompt_tokens"],
            truncation="middle",
            on_result=lambda i, result: cache.add({"id": todo[i]["id"], **result}),
        )
    generated = [
        {**row, "rejected": [{"role": "assistant", "content": cache.rows[row["id"]]["output"]}]} for row in rows
    ]
    write_jsonl_atomic(out, generated)
    tokens = sum(cache.rows[r["id"]]["n_tokens"] for r in rows)
    write_json_atomic(sidecar(out), prov.block(n_rows=len(generated), generated_tokens=tokens))
