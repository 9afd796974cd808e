"""The evaluation suite of the thesis (section 4.3): data preparation, prompts and scoring.

Benchmark ids are fixed; each scale says where the data comes from and how much of it to use.
Normalised items (results/benchmarks/<id>.jsonl) are the contract between the steps:
- arena:  {id, prompt, cluster, category, references: {model: answer}}
- mmlu:   {id, subject, question, choices[4], answer}
- libra:  {id, length, context, input, positive_outputs, negative_outputs}
- flores: {id, source, reference, messages} (messages: the Darumeru prompt, filled in)
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rualign import metrics as M
from rualign.io import DataError, read_jsonl
from rualign.sources import load_rows


@dataclass(frozen=True)
class Benchmark:
    id: str
    kind: str  # arena | mmlu | libra | flores
    metrics: tuple[str, ...]
    libra_task: str | None = None  # LIBRA config name (prompt template, metric)
    source_lang: str | None = None  # flores direction
    target_lang: str | None = None


BENCHMARKS: dict[str, Benchmark] = {
    b.id: b
    for b in [
        Benchmark("ru_arena_hard", "arena", ("judge_winrate", "answer_length")),
        Benchmark("rummlu", "mmlu", ("rummlu",)),
        Benchmark("enmmlu", "mmlu", ("enmmlu",)),
        *(
            Benchmark(f"babilong_qa{i}", "libra", (f"babilong_qa{i}",), libra_task=f"ru_babilong_qa{i}")
            for i in range(1, 6)
        ),
        Benchmark("ruqasper", "libra", ("ruqasper",), libra_task="ru_qasper"),
        Benchmark("flores_en_ru", "flores", ("flores_en_ru",), source_lang="en", target_lang="ru"),
        Benchmark("flores_ru_en", "flores", ("flores_ru_en",), source_lang="ru", target_lang="en"),
    ]
}

# Metric -> (benchmark, row label as the thesis prints it), in the thesis's row order.
METRICS: dict[str, tuple[str, str]] = {
    "judge_winrate": ("ru_arena_hard", "LLM-as-a-Judge"),
    "answer_length": ("ru_arena_hard", "Mean answer length"),
    "rummlu": ("rummlu", "ruMMLU"),
    "enmmlu": ("enmmlu", "enMMLU"),
    **{f"babilong_qa{i}": (f"babilong_qa{i}", f"LIBRA: ruBABILongQA{i}") for i in range(1, 6)},
    "ruqasper": ("ruqasper", "LIBRA: ruQasper"),
    "flores_en_ru": ("flores_en_ru", "FLORES: en$\\rightarrow$ru"),
    "flores_ru_en": ("flores_ru_en", "FLORES: ru$\\rightarrow$en"),
}


def is_generative(benchmark_id: str) -> bool:
    return BENCHMARKS[benchmark_id].kind != "mmlu"


# ---------------------------------------------------------------- LIBRA (verbatim from LIBRA's config)
_BABI_LOC = (
    "Я даю тебе контекст с фактами о местоположении разных людей. Тебе нужно ответить на вопрос, "
    "основываясь только на информации, полученной из фактов. Если человек находился в разных местах, "
    "используй последнее местоположение для ответа на вопрос.\n{context}\n"
)
_BABI_OBJ = (
    "Я даю тебе контекст с фактами о местоположении и действиях разных людей. Тебе нужно ответить на "
    "вопрос, основываясь только на фактической информации. Если человек взял предмет в одном месте и "
    "отправился в другое место, этот предмет также находится во втором месте. Если человек оставил "
    "предмет в первом {place} и перешел во второе место, предмет остается в первом месте.\n{{context}}\n"
)
_BABI_REL = (
    "Я даю тебе контекст с фактами о местоположении и действиях разных людей. Тебе нужно ответить на "
    "вопрос, основываясь только на фактической информации.\n{context}\n"
)
_SHORT = "Ответь на вопрос как можно более кратко.\nВопрос: {input}\nОтвет:"
LIBRA_TEMPLATES = {
    "ru_babilong_qa1": _BABI_LOC + _SHORT,
    "ru_babilong_qa2": _BABI_OBJ.format(place="месте") + "Ответь на вопрос одним словом.\nВопрос: {input}\nОтвет:",
    "ru_babilong_qa3": _BABI_OBJ.format(place="метсе") + _SHORT,  # LIBRA's typo, kept verbatim
    "ru_babilong_qa4": _BABI_REL + _SHORT,
    "ru_babilong_qa5": _BABI_REL + _SHORT,
    "ru_qasper": (
        "Тебе предоставляется научная статья и вопрос.\n{context}\nОтветь на вопрос как можно более кратко, "
        "по возможности используя одну фразу или предложение. Не приводи никаких объяснений.\n"
        "Вопрос:{input}\nОтвет:"
    ),
}
_PLACEHOLDER = re.compile(r"\{(context|input)\}")
LIBRA_METRIC = {**{f"ru_babilong_qa{i}": "em" for i in range(1, 6)}, "ru_qasper": "f1"}

# ---------------------------------------------------------------- MMLU and FLORES prompts
MMLU_PROMPTS = ("llmtf", "rualign")
MMLU_AGGREGATIONS = ("category_mean", "accuracy")
MMLU_LETTERS = ("A", "B", "C", "D")
# The thesis's zero-shot MMLU (llmtf_open@97b3022 nlpcoreteam.py): the user turn is the question and
# the lettered options, no subject header (it only heads few-shot examples); the assistant turn
# starts with this text and the next token decides among " A" ... " D" (with a leading space).
MMLU_ANSWER_PREFIX = {"ru": "Ответ:", "en": "Answer:"}
# Ours (option mmlu_prompt: rualign): a subject header and the answer cue inside the user turn.
MMLU_TEMPLATES = {
    "en": (
        "The following is a multiple choice question about {subject}. Answer with the letter of the "
        "correct option.\n\n{question}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer:"
    ),
    "ru": (
        "Ниже приведён вопрос с несколькими вариантами ответа по теме «{subject}». Ответь буквой "
        "правильного варианта.\n\n{question}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nОтвет:"
    ),
}

FLORES_PROMPTS = ("darumeru", "rualign")
# Darumeru's flores rows carry `messages` whose text has the slots {input}, {output}, {input_text}
# (and {translation} for few-shot answers); llmtf_open's DaruFlores fills them with these words
# (97b3022 llmtf/tasks/translation.py create_messages). Those rows are read at paper scale.
DARUMERU_SLOTS = {
    ("en", "ru"): {"input": "английского", "output": "русский"},
    ("ru", "en"): {"input": "русского", "output": "английский"},
}
# FLORES-200 rows (tiny scale) have no messages: they get this one user turn. ASSUMPTION: the
# slots and their words are upstream's; the surrounding wording of Darumeru's own template is
# not published outside the hub and is reconstructed here.
DARUMERU_FLORES_MESSAGES = [
    {"role": "user", "content": "Переведи текст с {input} на {output} язык.\nТекст: {input_text}"},
]
_DARUMERU_SLOT = re.compile(r"\{(input|output|input_text|translation)\}")
# Ours (option flores_prompt: rualign).
FLORES_TEMPLATES = {
    (
        "en",
        "ru",
    ): "Переведи следующий текст с английского языка на русский. В ответе напиши только перевод.\n\n{source}",
    (
        "ru",
        "en",
    ): "Переведи следующий текст с русского языка на английский. В ответе напиши только перевод.\n\n{source}",
}


def darumeru_messages(
    template: list[dict[str, str]], source_lang: str, target_lang: str, source: str, reference: str
) -> list[dict[str, str]]:
    """A Darumeru flores prompt for one direction: the slots of every message filled as llmtf's
    DaruFlores fills them (one pass, so braces inside the sentences are never taken for slots).
    Roles are kept as written (Darumeru calls the assistant "bot")."""
    values = {
        **DARUMERU_SLOTS[(source_lang, target_lang)],
        "input_text": source,
        "translation": reference,
    }
    return [
        {"role": m["role"], "content": _DARUMERU_SLOT.sub(lambda g: values[g.group(1)], m["content"])} for m in template
    ]


# ---------------------------------------------------------------- preparation
def _limit(rows: list[dict], limit: int) -> list[dict]:
    return rows[:limit] if limit else rows


def _arena_answer(row: dict, path: str, lineno: int) -> str:
    try:
        return row["choices"][0]["turns"][0]["content"]
    except (KeyError, IndexError, TypeError):
        raise DataError(f"{path}:{lineno}: expected choices[0].turns[0].content (arena-hard model_answer)") from None


def _llmtf_answers(rows: list[dict], questions: list[dict], where: str) -> dict[str, str]:
    """llmtf_open's reference files (llm_as_a_judge_baselines/): a list of {instruction, output}
    in question order, matched by position (as llmtf_open does) and checked by instruction text."""
    if len(rows) != len(questions):
        raise DataError(f"{where}: {len(rows)} llmtf-format answers for {len(questions)} questions")
    answers = {}
    for i, (row, q) in enumerate(zip(rows, questions, strict=True), 1):
        prompt = (q.get("turns") or [{}])[0].get("content")
        if row.get("instruction") != prompt or not isinstance(row.get("output"), str):
            raise DataError(f"{where}:{i}: instruction differs from question {q.get('question_id')} or no output")
        answers[str(q["question_id"])] = row["output"]
    return answers


def prepare_arena(spec: dict, root: Path) -> list[dict]:
    questions = load_rows(spec["questions"], root)
    references: dict[str, dict[str, str]] = {}
    for model, source in spec["reference_answers"].items():
        rows = load_rows(source, root)
        where = source.get("path") or source.get("url", "?")
        if rows and "instruction" in rows[0] and "question_id" not in rows[0]:
            references[model] = _llmtf_answers(rows, questions, where)
            continue
        references[model] = {str(r["question_id"]): _arena_answer(r, where, i) for i, r in enumerate(rows, 1)}
    items = []
    for lineno, q in enumerate(questions, 1):
        if "question_id" not in q:
            raise DataError(f"arena questions:{lineno}: missing field 'question_id'")
        qid = str(q["question_id"])
        try:
            prompt = q["turns"][0]["content"]
        except (KeyError, IndexError, TypeError):
            raise DataError(f"arena questions:{lineno}: expected turns[0].content") from None
        if not all(qid in answers for answers in references.values()):
            continue
        items.append(
            {
                "id": qid,
                "prompt": prompt,
                "cluster": q.get("cluster"),
                "category": q.get("category"),
                "references": {model: answers[qid] for model, answers in references.items()},
            }
        )
    if not items:
        raise DataError("ru_arena_hard: no question has an answer from every reference model")
    return _limit(items, spec["limit"])


def prepare_mmlu(spec: dict, root: Path, seed: int) -> list[dict]:
    rows = load_rows(spec["data"], root)
    lang = spec["language"]
    items = []
    for i, row in enumerate(rows, 1):
        try:
            if "choices" in row or f"choices_{lang}" in row:
                choices = row.get(f"choices_{lang}", row.get("choices"))
                question = row.get(f"question_{lang}", row.get("question"))
            else:
                choices = [row[f"choice{k}"] for k in range(4)]
                question = row["question"]
            answer = row["answer"]
        except KeyError as err:
            raise DataError(f"mmlu data row {i}: missing field {err}") from None
        if isinstance(answer, str) and answer in MMLU_LETTERS:
            answer = MMLU_LETTERS.index(answer)
        if not isinstance(answer, int) or not 0 <= answer < 4 or len(choices) != 4:
            raise DataError(f"mmlu data row {i}: expected 4 choices and answer 0-3 (or A-D), got {answer!r}")
        items.append(
            {
                "id": f"{row.get('subject', 'mmlu')}-{i}",
                "subject": row.get("subject", ""),
                "question": question,
                "choices": [str(c) for c in choices],
                "answer": answer,
            }
        )
    random.Random(seed).shuffle(items)
    return _limit(items, spec["limit"])


def prepare_libra(
    benchmark: Benchmark, spec: dict, root: Path, seed: int, count_tokens: Callable[[str], int] | None = None
) -> list[dict]:
    build = spec.get("build")
    if build:
        from rualign.babilong_ru import build_babilong

        if count_tokens is None:
            raise ValueError("the babilong_ru builder needs a token counter (the base model's tokenizer)")
        english = load_rows(spec["data"], root)
        filler = [r["sentence_rus_Cyrl"] for r in load_rows(build["filler"], root)][build["filler_offset"] :]
        rows = build_babilong(english, benchmark.libra_task, spec["lengths"], filler, count_tokens, seed)
    else:
        rows = load_rows(spec["data"], root)
        if spec.get("head_rows"):  # the thesis: the first 600 rows of the split, then the length filter
            rows = rows[: spec["head_rows"]]
    per_length: dict[str, list[dict]] = defaultdict(list)
    for i, row in enumerate(rows, 1):
        for field in ("context", "input", "positive_outputs"):
            if field not in row:
                raise DataError(f"{benchmark.id} data row {i}: missing field '{field}'")
        length = row.get("length") or "all"
        if spec["lengths"] and length not in spec["lengths"] and not (length == "all" and "all" in spec["lengths"]):
            continue
        meta_id = (row.get("metadata") or {}).get("id")
        if "id" in row:
            item_id = str(row["id"])
        elif meta_id is not None:
            item_id = f"{length}-{meta_id}"
        else:
            item_id = f"{benchmark.libra_task}-{length}-{len(per_length[length])}"
        per_length[length].append(
            {
                "id": item_id,
                "length": length,
                "context": row["context"],
                "input": row["input"],
                "positive_outputs": list(row["positive_outputs"]),
                "negative_outputs": list(row.get("negative_outputs") or []),
            }
        )
    items = [item for length in sorted(per_length) for item in _limit(per_length[length], spec["limit"])]
    ids = [item["id"] for item in items]
    if len(set(ids)) != len(ids):
        raise DataError(
            f"{benchmark.id}: item ids are not unique (e.g. {sorted(i for i in ids if ids.count(i) > 1)[:3]})"
        )
    return items


def prepare_flores(benchmark: Benchmark, spec: dict, root: Path) -> list[dict]:
    rows = load_rows(spec["data"], root)
    fields = {"en": "sentence_eng_Latn", "ru": "sentence_rus_Cyrl"}
    items = []
    for i, row in enumerate(rows, 1):
        # FLORES-200 files name the sides sentence_<lang>; Darumeru's flores nests them as inputs.{en, ru}.
        sides = row["inputs"] if isinstance(row.get("inputs"), dict) else {k: row.get(v) for k, v in fields.items()}
        try:
            src, ref = sides[benchmark.source_lang], sides[benchmark.target_lang]
            if src is None or ref is None:
                raise KeyError(fields[benchmark.source_lang if src is None else benchmark.target_lang])
        except KeyError as err:
            raise DataError(f"{benchmark.id} data row {i}: missing field {err}") from None
        template = row.get("messages") or DARUMERU_FLORES_MESSAGES
        if not isinstance(template, list) or not all(isinstance(m, dict) and "content" in m for m in template):
            raise DataError(f"{benchmark.id} data row {i}: messages must be a list of {{role, content}}")
        messages = darumeru_messages(template, benchmark.source_lang, benchmark.target_lang, src, ref)
        items.append({"id": str(row.get("id", i)), "source": src, "reference": ref, "messages": messages})
    return _limit(items, spec["limit"])


def prepare(
    benchmark_id: str, spec: dict, root: Path, seed: int, count_tokens: Callable[[str], int] | None = None
) -> list[dict]:
    """Normalised items of a benchmark. Errors name the benchmark and its data files: an empty local
    file, no items left, or an item id given twice (generations are cached by id, so two items with
    one id would silently share one answer)."""
    from rualign.sources import local_paths

    bench = BENCHMARKS[benchmark_id]
    files = local_paths(spec)
    described = ", ".join(files.values()) or ", ".join(
        str(s.get("hub") or s.get("url"))
        for s in spec.values()
        if isinstance(s, dict) and (s.get("hub") or s.get("url"))
    )
    for key, path in files.items():
        full = Path(path) if Path(path).is_absolute() else Path(root) / path
        if full.is_file() and not full.read_bytes().strip():
            raise DataError(f"{full}: empty file (benchmark {benchmark_id}, {key}.path): no items to evaluate")
    try:
        if bench.kind == "arena":
            items = prepare_arena(spec, root)
        elif bench.kind == "mmlu":
            items = prepare_mmlu(spec, root, seed)
        elif bench.kind == "libra":
            items = prepare_libra(bench, spec, root, seed, count_tokens)
        else:
            items = prepare_flores(bench, spec, root)
    except DataError as err:
        if any(path in str(err) for path in files.values()):
            raise
        raise DataError(f"{err} (benchmark {benchmark_id}, data: {described})") from None
    if not items:
        raise DataError(f"{benchmark_id}: the configured data ({described}) and limits leave no items")
    seen: dict[str, int] = {}
    for item in items:
        seen[item["id"]] = seen.get(item["id"], 0) + 1
    repeated = sorted(item_id for item_id, count in seen.items() if count > 1)
    if repeated:
        raise DataError(
            f"{benchmark_id} ({described}): item id '{repeated[0]}' occurs {seen[repeated[0]]} times"
            + (f" (and {len(repeated) - 1} more repeated ids)" if len(repeated) > 1 else "")
            + "; answers are cached by id, so every item needs its own id"
        )
    return items


def read_items(path: str | Path) -> list[dict]:
    return read_jsonl(path, required={"id": str})


# ---------------------------------------------------------------- prompts
def split_assistant_prefix(messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """(messages, prefix): a trailing assistant ("bot") message is the start of the answer that the
    model continues (llmtf_open's incomplete last bot message); "bot" is renamed "assistant"."""
    renamed = [{**m, "role": "assistant" if m["role"] == "bot" else m["role"]} for m in messages]
    if renamed and renamed[-1]["role"] == "assistant":
        return renamed[:-1], renamed[-1]["content"]
    return renamed, ""


def messages_for(benchmark_id: str, item: dict, spec: dict) -> list[dict[str, str]]:
    """Chat messages the evaluated model answers for one item (generative benchmarks). A trailing
    assistant message is an answer prefix (`split_assistant_prefix`)."""
    bench = BENCHMARKS[benchmark_id]
    if bench.kind == "arena":
        system = [{"role": "system", "content": spec["system_prompt"]}] if spec.get("system_prompt") else []
        return [*system, {"role": "user", "content": item["prompt"]}]
    if bench.kind == "libra":
        # One pass over the template, so braces inside a document are never taken for placeholders.
        values = {"context": item["context"], "input": item["input"]}
        text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], LIBRA_TEMPLATES[bench.libra_task])
        return [{"role": "user", "content": text}]
    if bench.kind == "flores":
        prompt = spec.get("flores_prompt", "darumeru")
        if prompt not in FLORES_PROMPTS:
            raise ValueError(f"unknown flores_prompt {prompt!r}; allowed: {', '.join(FLORES_PROMPTS)}")
        if prompt == "darumeru":
            if "messages" not in item:
                raise DataError(f"{benchmark_id} item {item['id']}: no messages (prepared before the Darumeru prompt)")
            return [dict(m) for m in item["messages"]]
        text = FLORES_TEMPLATES[(bench.source_lang, bench.target_lang)].format(source=item["source"])
        return [{"role": "user", "content": text}]
    raise ValueError(f"{benchmark_id} is not a generative benchmark")


def mmlu_messages(item: dict, language: str, prompt: str = "llmtf") -> tuple[list[dict[str, str]], str]:
    """(messages, assistant_prefix) of one zero-shot MMLU item.

    prompt="llmtf" (the thesis's): user turn = question + "A. ..." to "D. ..." lines, no subject
    header; the assistant turn starts with "Ответ:" / "Answer:". prompt="rualign" (ours): a
    subject header and the answer cue inside the user turn, no assistant prefix.
    """
    if prompt not in MMLU_PROMPTS:
        raise ValueError(f"unknown mmlu_prompt {prompt!r}; allowed: {', '.join(MMLU_PROMPTS)}")
    a, b, c, d = item["choices"]
    if prompt == "llmtf":
        lines = [item["question"], *(f"{x}. {y}" for x, y in zip(MMLU_LETTERS, item["choices"], strict=True))]
        return [{"role": "user", "content": "\n".join(lines)}], MMLU_ANSWER_PREFIX[language]
    text = MMLU_TEMPLATES[language].format(
        subject=item["subject"].replace("_", " "), question=item["question"], a=a, b=b, c=c, d=d
    )
    return [{"role": "user", "content": text}], ""


def mmlu_candidates(prompt: str = "llmtf") -> tuple[str, ...]:
    """The option tokens whose next-token probability decides: " A" ... " D" after the thesis's
    "Ответ:" (llmtf adds the space because the prompt does not end with a newline); "A" ... "D"
    after our prompt, whose assistant turn starts on a new line."""
    return tuple(f" {x}" for x in MMLU_LETTERS) if prompt == "llmtf" else MMLU_LETTERS


# ---------------------------------------------------------------- scoring
def _metric_block(values: list[float], resamples: int, seed: int, **extra: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"value": M.mean(values), "n": len(values), **extra}
    if resamples:
        block["ci95"] = list(M.bootstrap_ci(values, n_resamples=resamples, seed=seed))
    return block


LIBRA_LENGTH_MEANS = ("present", "configured")


def score_libra(
    benchmark_id: str,
    items: list[dict],
    generations: dict[str, dict],
    spec: dict,
    scoring: str,
    resamples: int,
    seed: int,
    length_decimals: int | None = 3,
    length_mean: str = "present",
) -> tuple[list[dict], dict[str, Any]]:
    """Per length the mean sample score; the benchmark value is the mean over lengths.

    Thesis (diploma libra_eval.py): each per-length mean rounded to `length_decimals` (3), then the
    mean over the lengths present (ruQasper has no 4k). length_mean="configured" (LIBRA's eval.py):
    the mean over the configured lengths, a length without predictions counting as 0;
    length_decimals=None: no rounding.
    """
    if length_mean not in LIBRA_LENGTH_MEANS:
        raise ValueError(f"unknown libra_length_mean {length_mean!r}; allowed: {', '.join(LIBRA_LENGTH_MEANS)}")
    bench = BENCHMARKS[benchmark_id]
    metric = LIBRA_METRIC[bench.libra_task]
    per_item, by_length = [], defaultdict(list)
    for item in items:
        output = generations[item["id"]]["output"]
        score = M.libra_sample_score(output, item["positive_outputs"], item["negative_outputs"], metric, scoring)
        by_length[item["length"]].append(score)
        per_item.append(
            {
                "id": item["id"],
                "length": item["length"],
                "output": output,
                "gold": item["positive_outputs"],
                "score": score,
            }
        )
    if length_mean == "present":
        present = {length for length, scores in by_length.items() if scores}
        lengths = [length for length in spec["lengths"] if length in present]
        lengths += sorted(present - set(lengths))
    else:
        lengths = list(spec["lengths"]) or sorted(by_length)

    def _round(value: float) -> float:
        return value if length_decimals is None else round(value, length_decimals)

    per_length = {length: (_round(M.mean(by_length[length])) if by_length[length] else 0.0) for length in lengths}
    block = _metric_block(
        [p["score"] for p in per_item],
        resamples,
        seed,
        per_length=per_length,
        metric=metric,
        scoring=scoring,
        length_mean=length_mean,
        length_decimals=length_decimals,
    )
    block["value"] = M.mean(list(per_length.values()))
    return per_item, {bench.metrics[0]: block}


def score_flores(
    benchmark_id: str,
    items: list[dict],
    generations: dict[str, dict],
    lemmatize: bool,
    resamples: int,
    seed: int,
    tokenizer: str = "llmtf",
) -> tuple[list[dict], dict[str, Any]]:
    """Mean over items of (ROUGE-1 F + ROUGE-2 F) / 2 with the `tokenizer` (llmtf = the thesis's).
    The other tokenizer's value is reported beside it (`by_tokenizer`), never as the value."""
    per_item, others = [], {name: [] for name in M.FLORES_TOKENIZERS if name != tokenizer}
    for item in items:
        output = generations[item["id"]]["output"]
        rouge = M.flores_rouge(output, item["reference"], lemmatize=lemmatize, tokenizer=tokenizer)
        per_item.append({"id": item["id"], "output": output, "reference": item["reference"], **rouge})
        for name, values in others.items():
            values.append(M.flores_rouge(output, item["reference"], lemmatize=lemmatize, tokenizer=name)["score"])
    block = _metric_block(
        [p["score"] for p in per_item],
        resamples,
        seed,
        rouge1=M.mean([p["rouge1"] for p in per_item]),
        rouge2=M.mean([p["rouge2"] for p in per_item]),
        tokenizer=tokenizer,
        lemmatize=lemmatize,
    )
    block["by_tokenizer"] = {tokenizer: block["value"], **{name: M.mean(v) for name, v in others.items()}}
    return per_item, {BENCHMARKS[benchmark_id].metrics[0]: block}


def score_mmlu(
    benchmark_id: str,
    items: list[dict],
    letter_logprobs: list[list[float]],
    resamples: int,
    seed: int,
    aggregation: str = "category_mean",
    subject_categories: dict[str, str] | None = None,
) -> tuple[list[dict], dict[str, Any]]:
    """The likeliest option per item; value = the thesis's category mean (`M.mmlu_category_mean`)
    or, with aggregation="accuracy", plain accuracy. Both are always reported (`accuracy`,
    `category_mean`); the CI is the bootstrap of the reported value over items."""
    if aggregation not in MMLU_AGGREGATIONS:
        raise ValueError(f"unknown mmlu_aggregation {aggregation!r}; allowed: {', '.join(MMLU_AGGREGATIONS)}")
    per_item = []
    for item, logprobs in zip(items, letter_logprobs, strict=True):
        predicted = max(range(4), key=lambda k: logprobs[k])
        per_item.append(
            {
                "id": item["id"],
                "subject": item["subject"],
                "answer": item["answer"],
                "predicted": predicted,
                "logprobs": logprobs,
                "correct": int(predicted == item["answer"]),
            }
        )
    categories = M.mmlu_category_mean(per_item, subject_categories)
    block: dict[str, Any] = {
        "value": categories["score"] if aggregation == "category_mean" else categories["micro_accuracy"],
        "n": len(per_item),
        "aggregation": aggregation,
        "category_mean": categories["score"],
        "accuracy": categories["micro_accuracy"],
        "per_category": categories["per_category"],
        "n_subjects": len(categories["per_subject"]),
    }
    if resamples:
        if aggregation == "accuracy":
            block["ci95"] = list(M.bootstrap_ci([float(p["correct"]) for p in per_item], resamples, seed=seed))
        else:
            block["ci95"] = list(M.mmlu_category_mean_ci(per_item, subject_categories, resamples, seed=seed))
    return per_item, {BENCHMARKS[benchmark_id].metrics[0]: block}
