"""The thesis's evaluation protocol as configuration: the keys whose schema default is the thesis's choice
(llmtf_open@97b3022 and the thesis's own evaluation code; see tests/fidelity/README.md). Every table and
the report name the keys a build sets otherwise, so no number of ours passes for the thesis's silently."""

from __future__ import annotations

from typing import Any

from rualign.config import load_schema

UPSTREAM = "llmtf_open@97b3022 and the thesis's evaluation code, andrrrei/diploma"
# What each thesis metric is, and where upstream defines it (the report's Protocol section).
METRICS = (
    (
        "LLM-as-a-Judge (RU Arena Hard)",
        "answers sampled at temperature 0.3, top_p 0.9, top_k 40, repetition penalty 1.1 (seeded); each question "
        "judged against four references in both orders with llmtf's English prompt naming the answers m and M; "
        "p = the judge's probability of the model's label; a pair is won when the mean p of its two orders "
        "is >= 0.5; length-controlled Bradley-Terry fit (evalica), mean over references of P(model beats "
        "reference)",
        "llmtf_open@97b3022 llmtf/tasks/llm_as_a_judge.py; answers: ruadapt@734e09c inference/infer_vllm.py",
    ),
    (
        "Mean answer length",
        "mean length of the arena answers in tiktoken cl100k_base tokens",
        "ruadapt@734e09c inference/infer_vllm.py",
    ),
    (
        "ruMMLU / enMMLU",
        "zero-shot, question and options A-D in the user turn, the assistant turn begun with 'Ответ:'/'Answer:'; "
        "the likeliest of ' A'..' D' is the answer; mean of the 4 category means of the subject accuracies",
        "llmtf_open@97b3022 llmtf/tasks/nlpcoreteam.py; diploma evaluation/MMLU/mmlu_eval.py",
    ),
    (
        "LIBRA (ruBABILongQA1-5, ruQasper)",
        "LIBRA's prompts, prompts over the context cut from the left, answers at llmtf's default sampling; "
        "lemmatised substring EM (bAbI) or token F1 (Qasper); per-length means rounded to 3 decimals, then "
        "their mean over the lengths present",
        "diploma evaluation/LIBRA/libra_eval.py; llmtf_open@97b3022 llmtf/model.py",
    ),
    (
        "FLORES en-ru, ru-en",
        "Darumeru's translation prompts; mean of ROUGE-1 and ROUGE-2 F with llmtf's tokenizer (lowercase, ASCII "
        "punctuation to spaces, pymorphy lemmas)",
        "llmtf_open@97b3022 llmtf/tasks/translation.py, llmtf/metrics.py",
    ),
)
# (section, key) pairs of config settings that define how a thesis number is measured.
PROTOCOL_KEYS = (
    ("judge", "arena_protocol"),
    ("judge", "label_probability"),
    ("evaluation", "system_turn"),
    ("evaluation", "arena_system_turn"),
    ("evaluation", "prompt_truncation"),
    ("evaluation", "generation_sampling"),
    ("evaluation", "mmlu_prompt"),
    ("evaluation", "mmlu_aggregation"),
    ("evaluation", "flores_prompt"),
    ("evaluation", "flores_tokenizer"),
    ("evaluation", "flores_lemmatize"),
    ("evaluation", "libra_scoring"),
    ("evaluation", "libra_length_decimals"),
    ("evaluation", "libra_length_mean"),
)


def thesis_values() -> dict[str, Any]:
    """'section.key' -> the thesis's value (the schema default), plus the arena's answer sampling."""
    schema = load_schema()
    values = {
        f"{section}.{key}": schema["properties"][section]["properties"][key]["default"]
        for section, key in PROTOCOL_KEYS
    }
    sampling = schema["$defs"]["sampling"]["properties"]
    for key, prop in sampling.items():
        values[f"benchmarks.ru_arena_hard.sampling.{key}"] = prop["default"]
    return values


def deviations(config: dict[str, Any]) -> list[str]:
    """'key = value (thesis: value)' for every protocol setting of a resolved config that is not the thesis's."""
    out = []
    for dotted, thesis in thesis_values().items():
        node: Any = config
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None and node != thesis:
            out.append(f"{dotted} = {node} (thesis: {thesis})")
    return out


def training_choices(config: dict[str, Any], trained: set[str]) -> list[str]:
    """Training settings used by these experiments (a table's columns with their whole parent chains) that
    differ from the thesis's code on purpose (README: Experiments), each with the key that restores it."""
    stages = [config["experiments"][e]["stage"] for e in sorted(trained) if config["experiments"][e]["stage"]]
    if not stages:
        return []
    out = []
    if config["training"]["lora"].get("modules_to_save") != ["lm_head"]:
        out.append("no trainable lm_head copy (thesis: training.lora.modules_to_save = [lm_head])")
    datasets = {config["data_recipes"][stage["data"]]["dataset"] for stage in stages}
    for name in sorted(datasets):
        spec = config["datasets"][name]
        if spec.get("documents_role") and spec.get("documents_mode") != "drop":
            out.append(f"{name} documents shown in the system message (thesis: datasets.{name}.documents_mode = drop)")
    return out
