"""Metrics of the thesis's evaluation suite, each computed as the framework the thesis used did.

- LIBRA as llmtf_open scores it (`RefalMachine/llmtf_open`, `llmtf/tasks/libra/libra.py`, the
  thesis's framework): lemmatised substring EM and lemmatised token F1; negatives ignored.
- LIBRA's original scoring (`ai-forever/LIBRA`, `evaluation/metrics.py` and `eval.py`): raw
  substring EM, SQuAD-style F1, and the negative-outputs penalty.
- FLORES (Darumeru via llmtf_open@97b3022 `llmtf/metrics.py`): mean of the ROUGE-1 and ROUGE-2
  F-measures with llmtf's tokenizer (lowercase, ASCII punctuation -> space, whitespace split,
  pymorphy lemma of every token); our Unicode-word tokenizer is a named alternative.
- MMLU (llmtf_open@97b3022 `nlpcoreteam.py`): mean over the 4 categories of the mean over each
  category's subjects of the subject accuracies (`mmlu_category_mean`).
- Aggregation: mean, accuracy and a percentile bootstrap interval of a mean.

The rules are written down in `shared/data/LIBRA_SCORING.md`. All functions are pure; the only
state is the lazily built pymorphy3 analyser and a cache of lemmas.
"""

from __future__ import annotations

import functools
import math
import re
import string
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

__all__ = [
    "FLORES_TOKENIZERS",
    "LIBRA_METRICS",
    "LIBRA_SCORINGS",
    "MMLU_CATEGORIES",
    "MMLU_SUBJECT_CATEGORY",
    "LlmtfTokenizer",
    "RussianAwareTokenizer",
    "accuracy",
    "bootstrap_ci",
    "em_libra",
    "em_llmtf",
    "f1_libra",
    "f1_llmtf",
    "flores_rouge",
    "lemma",
    "libra_sample_score",
    "mean",
    "mmlu_category_mean",
    "mmlu_category_mean_ci",
    "normalize_llmtf",
]

LIBRA_METRICS = ("em", "f1")
LIBRA_SCORINGS = ("llmtf", "libra")

# llmtf_open's character class, verbatim. It lists «й» but not «ё», so «ё» is deleted.
_NON_WORD_LLMTF = re.compile(r"[^a-zа-яй0-9_]")
# LIBRA removes the characters of string.punctuation: ASCII only («, », — and … survive).
_ASCII_PUNCT = str.maketrans("", "", string.punctuation)
# A word for the FLORES tokenizer: a run of Unicode letters or digits (no underscore).
_ROUGE_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")

_MORPH: MorphAnalyzer | None = None


def _morph() -> MorphAnalyzer:
    """The process-wide pymorphy3 Russian analyser, built on first use (it loads dictionaries)."""
    global _MORPH
    if _MORPH is None:
        import pymorphy3

        _MORPH = pymorphy3.MorphAnalyzer(lang="ru")
    return _MORPH


@functools.lru_cache(maxsize=200_000)
def lemma(token: str) -> str:
    """pymorphy3's first normal form of a token, `parse(token)[0].normal_form`, as llmtf_open
    takes it. Non-Russian tokens (Latin, digits, unknown words) come back unchanged; note that
    normal forms may contain «ё» (ковре -> ковёр)."""
    return _morph().parse(token)[0].normal_form


# ---------------------------------------------------------------- LIBRA as llmtf_open scores it
def normalize_llmtf(text: str) -> list[str]:
    """The thesis's LIBRA `normalize_answer` (andrrrei/diploma evaluation/LIBRA/libra_eval.py, the
    same rule as llmtf_open's libra.py): lowercase each whitespace token, delete every character
    outside `[a-zа-яй0-9_]`, lemmatise with pymorphy3.

    Faithful quirks: the class has no «ё», so «ё» is deleted before lemmatising (ёлка -> лка);
    a token left empty (a lone «—») stays as an empty string, so the joined text has a double
    space there and EM, a substring test on the joined text, does not bridge it.
    """
    return [lemma(_NON_WORD_LLMTF.sub("", tok.lower())) for tok in text.split()]


def em_llmtf(prediction: str, gold: str) -> float:
    """The thesis's `exact_match_score`: 1.0 if the normalised gold answer (tokens joined by single
    spaces, empty tokens included) is a substring of the normalised prediction, else 0.0. A gold
    answer that normalises to nothing matches anything, as upstream."""
    return float(" ".join(normalize_llmtf(gold)) in " ".join(normalize_llmtf(prediction)))


def _token_f1(pred_tokens: Sequence[str], gold_tokens: Sequence[str]) -> float:
    """SQuAD's Counter-overlap F1 (`f1_score` in both LIBRA and llmtf_open)."""
    if not pred_tokens or not gold_tokens:
        return 0.0
    overlap = sum((Counter(pred_tokens) & Counter(gold_tokens)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred_tokens), overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def f1_llmtf(prediction: str, gold: str) -> float:
    """The thesis's `qa_f1_score`: Counter-overlap F1 on the lemmatised tokens (the normalised text is
    split on whitespace again, so empty tokens do not count)."""
    return _token_f1([t for t in normalize_llmtf(prediction) if t], [t for t in normalize_llmtf(gold) if t])


# ---------------------------------------------------------------- LIBRA's original scoring
def em_libra(prediction: str, gold: str) -> float:
    """LIBRA's `exact_match_score`: 1.0 if `gold in prediction` (raw, case-sensitive), else 0.0."""
    return float(gold in prediction)


def _normalize_libra(text: str) -> list[str]:
    """LIBRA's `normalize_answer` then `.split()`: lowercase, delete ASCII punctuation."""
    return text.lower().translate(_ASCII_PUNCT).split()


def f1_libra(prediction: str, gold: str) -> float:
    """LIBRA's `qa_f1_score`: lowercase, delete string.punctuation (ASCII only, so «сад» keeps
    its guillemets), whitespace tokens, Counter-overlap F1. No lemmatisation."""
    return _token_f1(_normalize_libra(prediction), _normalize_libra(gold))


_LIBRA_FUNCTIONS = {
    ("llmtf", "em"): em_llmtf,
    ("llmtf", "f1"): f1_llmtf,
    ("libra", "em"): em_libra,
    ("libra", "f1"): f1_libra,
}


def libra_sample_score(
    prediction: str,
    positives: Sequence[str],
    negatives: Sequence[str] | None,
    metric: str,
    scoring: str = "llmtf",
) -> float:
    """Score of one LIBRA sample: the max of `metric` over the positive outputs.

    scoring="llmtf" (llmtf_open's LibraTask.evaluate): negatives are ignored.
    scoring="libra" (ai-forever/LIBRA eval.py): with n of the negative outputs found as raw
    substrings of the prediction, the score is 0 if all of them are found, else it is lowered
    by n/len(negatives) and floored at 0.
    """
    if metric not in LIBRA_METRICS:
        allowed = ", ".join(LIBRA_METRICS)
        raise ValueError(f"unknown LIBRA metric {metric!r}; allowed: {allowed}")
    if scoring not in LIBRA_SCORINGS:
        allowed = ", ".join(LIBRA_SCORINGS)
        raise ValueError(f"unknown LIBRA scoring {scoring!r}; allowed: {allowed}")
    if isinstance(positives, str):
        raise TypeError("positives must be a list of answers, not a single string")
    if not positives:
        raise ValueError("a LIBRA sample needs at least one positive output to be scored")
    fn = _LIBRA_FUNCTIONS[(scoring, metric)]
    score = max(fn(prediction, gold) for gold in positives)
    if scoring == "libra" and negatives:
        found = sum(neg in prediction for neg in negatives)
        penalised = max(score - (1.0 / len(negatives)) * found, 0.0)
        score = 0.0 if found == len(negatives) else penalised
    return score


# ---------------------------------------------------------------- FLORES ROUGE
FLORES_TOKENIZERS = ("llmtf", "unicode")
_ASCII_PUNCT_RUN = re.compile(f"[{re.escape(string.punctuation)}]")


class LlmtfTokenizer:
    """llmtf_open's `CustomTokenizer` (97b3022 llmtf/metrics.py), the thesis's FLORES tokenizer:
    lowercase, every ASCII punctuation character (string.punctuation) -> a space, split on
    whitespace, pymorphy's first normal form of every token (Latin and numbers included; pymorphy
    returns them unchanged). Unicode punctuation («», —, …) is not punctuation here: it stays
    glued to its word, or is a token of its own when it stands alone."""

    def __init__(self, lemmatize: bool = True) -> None:
        self.lemmatize = lemmatize

    def tokenize(self, text: str) -> list[str]:
        tokens = _ASCII_PUNCT_RUN.sub(" ", text.lower()).split()
        return [lemma(tok) for tok in tokens] if self.lemmatize else tokens

    def __repr__(self) -> str:
        return f"LlmtfTokenizer(lemmatize={self.lemmatize})"


class RussianAwareTokenizer:
    """Our own FLORES tokenizer (option `flores_tokenizer: unicode`; not the thesis's metric).

    Tokens are runs of Unicode letters or digits after NFC normalisation, so Unicode punctuation
    («», —, …) is removed as well, where llmtf_open's ASCII-only punctuation class leaves it glued
    to the words («привет», scores 0 against привет). Lowercased; with `lemmatize`, pymorphy3
    normal forms of Cyrillic tokens, Latin tokens and numbers as they are. (rouge-score's default
    tokenizer keeps only [a-z0-9], so Russian would score 0 against anything.)
    """

    def __init__(self, lemmatize: bool = True) -> None:
        self.lemmatize = lemmatize

    def tokenize(self, text: str) -> list[str]:
        """Lowercased word tokens of `text`, Cyrillic ones lemmatised if `lemmatize`."""
        tokens = _ROUGE_WORD.findall(unicodedata.normalize("NFC", text).lower())
        if not self.lemmatize:
            return tokens
        return [lemma(tok) if _CYRILLIC.search(tok) else tok for tok in tokens]

    def __repr__(self) -> str:
        return f"RussianAwareTokenizer(lemmatize={self.lemmatize})"


@functools.lru_cache(maxsize=4)
def _rouge_scorer(tokenizer: str, lemmatize: bool):
    from rouge_score import rouge_scorer

    if tokenizer not in FLORES_TOKENIZERS:
        raise ValueError(f"unknown FLORES tokenizer {tokenizer!r}; allowed: {', '.join(FLORES_TOKENIZERS)}")
    tok = LlmtfTokenizer(lemmatize) if tokenizer == "llmtf" else RussianAwareTokenizer(lemmatize)
    return rouge_scorer.RougeScorer(["rouge1", "rouge2"], tokenizer=tok)


def flores_rouge(prediction: str, reference: str, lemmatize: bool = True, tokenizer: str = "llmtf") -> dict[str, float]:
    """The thesis's FLORES metric (Darumeru through llmtf_open): ROUGE-1 and ROUGE-2 F-measures of
    the prediction against the reference (`rouge_score.RougeScorer`), and their mean as `score`.

    tokenizer="llmtf" (default, the thesis's) or "unicode" (`RussianAwareTokenizer`, ours).
    """
    scores = _rouge_scorer(tokenizer, lemmatize).score(reference, prediction)
    r1, r2 = scores["rouge1"].fmeasure, scores["rouge2"].fmeasure
    return {"rouge1": r1, "rouge2": r2, "score": (r1 + r2) / 2}


# ---------------------------------------------------------------- MMLU categories
# NLPCoreTeam's subject -> subcategory table (as in llmtf_open@97b3022 nlpcoreteam.py), then
# subcategory -> one of the four categories whose mean of means is the thesis's MMLU score.
_MMLU_SUBCATEGORY = {
    "abstract_algebra": "math", "anatomy": "health", "astronomy": "physics", "business_ethics": "business",
    "clinical_knowledge": "health", "college_biology": "biology", "college_chemistry": "chemistry",
    "college_computer_science": "computer science", "college_mathematics": "math", "college_medicine": "health",
    "college_physics": "physics", "computer_security": "computer science", "conceptual_physics": "physics",
    "econometrics": "economics", "electrical_engineering": "engineering", "elementary_mathematics": "math",
    "formal_logic": "philosophy", "global_facts": "other", "high_school_biology": "biology",
    "high_school_chemistry": "chemistry", "high_school_computer_science": "computer science",
    "high_school_european_history": "history", "high_school_geography": "geography",
    "high_school_government_and_politics": "politics", "high_school_macroeconomics": "economics",
    "high_school_mathematics": "math", "high_school_microeconomics": "economics", "high_school_physics": "physics",
    "high_school_psychology": "psychology", "high_school_statistics": "math", "high_school_us_history": "history",
    "high_school_world_history": "history", "human_aging": "health", "human_sexuality": "culture",
    "international_law": "law", "jurisprudence": "law", "logical_fallacies": "philosophy",
    "machine_learning": "computer science", "management": "business", "marketing": "business",
    "medical_genetics": "health", "miscellaneous": "other", "moral_disputes": "philosophy",
    "moral_scenarios": "philosophy", "nutrition": "health", "philosophy": "philosophy", "prehistory": "history",
    "professional_accounting": "other", "professional_law": "law", "professional_medicine": "health",
    "professional_psychology": "psychology", "public_relations": "politics", "security_studies": "politics",
    "sociology": "culture", "us_foreign_policy": "politics", "virology": "health", "world_religions": "philosophy",
}  # fmt: skip
MMLU_CATEGORIES = {
    "STEM": ("physics", "chemistry", "biology", "computer science", "math", "engineering"),
    "humanities": ("history", "philosophy", "law"),
    "social sciences": ("politics", "culture", "economics", "geography", "psychology"),
    "other (business, health, misc.)": ("other", "business", "health"),
}
MMLU_SUBJECT_CATEGORY: dict[str, str] = {
    subject: next(cat for cat, subs in MMLU_CATEGORIES.items() if sub in subs)
    for subject, sub in _MMLU_SUBCATEGORY.items()
}


def mmlu_category_mean(items: Iterable[dict], extra_categories: dict[str, str] | None = None) -> dict[str, object]:
    """The thesis's MMLU score (llmtf_open `_per_category_mean`): accuracy per subject, the mean of
    the subject accuracies within each category, then the mean over the categories present.

    items: dicts with `subject` and `correct` (bool or 0/1). `extra_categories` maps subjects
    outside MMLU's 57 (a stand-in's) to one of the four category names. Returns `score`,
    `per_category`, `per_subject` and `micro_accuracy` (plain accuracy over items, for contrast).
    Upstream asserts that all 57 subjects are present; a subset is averaged over what is present.
    """
    table = dict(MMLU_SUBJECT_CATEGORY)
    for subject, category in (extra_categories or {}).items():
        if category not in MMLU_CATEGORIES:
            allowed = list(MMLU_CATEGORIES)
            raise ValueError(f"subject {subject!r}: unknown MMLU category {category!r}; allowed: {allowed}")
        table[subject] = category
    by_subject: dict[str, list[float]] = {}
    flags = []
    for item in items:
        subject = item["subject"]
        if subject not in table:
            raise ValueError(
                f"MMLU subject {subject!r} has no category: not one of the 57 NLPCoreTeam subjects "
                "(map stand-in subjects with the benchmark's subject_categories)"
            )
        by_subject.setdefault(subject, []).append(float(item["correct"]))
        flags.append(item["correct"])
    micro = accuracy(flags)
    per_subject = {s: mean(v) for s, v in sorted(by_subject.items())}
    per_category: dict[str, float] = {}
    for category in MMLU_CATEGORIES:
        subject_means = [m for s, m in per_subject.items() if table[s] == category]
        if subject_means:
            per_category[category] = mean(subject_means)
    return {
        "score": mean(per_category.values()),
        "per_category": per_category,
        "per_subject": per_subject,
        "micro_accuracy": micro,
    }


def mmlu_category_mean_ci(
    items: Sequence[dict],
    extra_categories: dict[str, str] | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `mmlu_category_mean`'s score: items resampled with
    replacement (`numpy.random.default_rng(seed)`); a subject or category missing from a resample
    is left out of that resample's means, as it would be from the score."""
    mmlu_category_mean(items, extra_categories)  # validates subjects and categories
    table = {**MMLU_SUBJECT_CATEGORY, **(extra_categories or {})}
    subjects = sorted({item["subject"] for item in items})
    cats = list(MMLU_CATEGORIES)
    subj_index = np.array([subjects.index(item["subject"]) for item in items])
    correct = np.array([float(item["correct"]) for item in items])
    subj_cat = np.array([cats.index(table[s]) for s in subjects])
    n, n_subj = len(items), len(subjects)
    rng = np.random.default_rng(seed)
    rows = max(1, _BOOTSTRAP_CELLS // max(n, 1))
    scores = []
    for start in range(0, n_resamples, rows):
        idx = rng.integers(0, n, size=(min(rows, n_resamples - start), n))
        flat = (np.arange(idx.shape[0])[:, None] * n_subj + subj_index[idx]).ravel()
        hits = np.bincount(flat, weights=correct[idx].ravel(), minlength=idx.shape[0] * n_subj)
        counts = np.bincount(flat, minlength=idx.shape[0] * n_subj)
        hits, counts = hits.reshape(-1, n_subj), counts.reshape(-1, n_subj)
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: absent from this resample
            subj_mean = np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)
            cat_means = np.stack(
                [
                    np.nanmean(np.where(subj_cat == c, subj_mean, np.nan), axis=1)
                    if (subj_cat == c).any()
                    else np.full(idx.shape[0], np.nan)
                    for c in range(len(cats))
                ],
                axis=1,
            )
            scores.append(np.nanmean(cat_means, axis=1))
    values = np.concatenate(scores)
    alpha = (1.0 - confidence) / 2
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)


# ---------------------------------------------------------------- aggregation
def mean(values: Iterable[float]) -> float:
    """Arithmetic mean (math.fsum); an empty input is an error, never a silent 0."""
    data = [float(v) for v in values]
    if not data:
        raise ValueError("mean of an empty list: there are no scored items to average")
    return math.fsum(data) / len(data)


def accuracy(correct: Iterable[bool | int]) -> float:
    """Share of correct items; each entry must be a bool or 0/1."""
    flags = list(correct)
    bad = [c for c in flags if c not in (0, 1)]
    if bad:
        raise ValueError(f"accuracy expects bools or 0/1 per item, got {bad[:5]!r}")
    if not flags:
        raise ValueError("accuracy of an empty list: there are no scored items")
    return mean(float(c) for c in flags)


_BOOTSTRAP_CELLS = 4_000_000  # resampled values held in memory at once


def bootstrap_ci(
    values: Sequence[float],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean: resample the values with replacement
    (`numpy.random.default_rng(seed)`), take the (1-confidence)/2 and (1+confidence)/2
    quantiles of the resampled means. Deterministic for a seed; (v, v) when all values are v.
    """
    data = np.asarray(values, dtype=float)
    if data.ndim != 1 or data.size == 0:
        raise ValueError("bootstrap_ci needs a non-empty flat list of values")
    if not np.all(np.isfinite(data)):
        raise ValueError("bootstrap_ci got a NaN or infinite value")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    if np.all(data == data[0]):
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    rows = max(1, _BOOTSTRAP_CELLS // data.size)  # bounded memory for large benchmarks
    chunks = []
    for start in range(0, n_resamples, rows):
        idx = rng.integers(0, data.size, size=(min(rows, n_resamples - start), data.size))
        chunks.append(data[idx].mean(axis=1))
    means = np.concatenate(chunks)
    alpha = (1.0 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return float(low), float(high)


# ---------------------------------------------------------------- RU Arena Hard (llmtf_open's score)
__all__ += ["ARENA_ESTIMATOR", "arena_score"]

ARENA_ESTIMATOR = "llmtf_open@97b3022 length-controlled Bradley-Terry (evalica)"


def _expit(x: float) -> float:
    """The logistic function, as scipy.special.expit (no scipy dependency)."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _sample_std(values: Sequence[float]) -> float:
    """pandas' Series.std(): ddof=1; NaN for fewer than two values."""
    if len(values) < 2:
        return math.nan
    m = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / (len(values) - 1))


def arena_score(games: Sequence[dict], length_control: bool = True) -> dict:
    """RU Arena Hard score as llmtf_open@97b3022 computes it (`LLMAsJudge._confident_score_mean`).

    `games`: one row per judged game, `{"id", "model_name", "reference_model_name",
    "model_first", "p", "lens": {"model", "reference"}}`, where `p` is the judge's probability
    of the evaluated model's label and lengths are in characters. Each (id, reference) must be
    judged in exactly two games (both orders). Per pair: a win if the mean `p` of its two
    games is >= 0.5. With `length_control`, each pair is weighted 2 * expit(d / std(d)) with
    d = reference length - model length and std (ddof 1) over all of that reference's games
    (each pair counted twice, as upstream); d = 0 gives weight 1, the weight of every pair
    without length control. A Bradley-Terry model is fitted to the weighted pairs with evalica
    (tolerance 1e-8) and the score is the mean over references of P(model beats reference).

    Returns a dict: `value`, `estimator`, `length_control`, `n_pairs`, `degenerate`,
    `never_beaten`, `never_lost_to`, `bt_iterations` and `per_reference` (pairs, wins,
    weighted win share, `p_model_wins`: the fitted P(model beats it)).

    Degenerate case: if the model never beats some reference (or never loses to one) the
    Bradley-Terry likelihood has no finite maximum; evalica stops without converging and
    llmtf_open reports 0.5. Here `degenerate` is True, the references are listed, `value` is
    the limit of the maximum-likelihood fit (every game is between the model and one reference,
    so the fitted P(model beats R) is the weighted win share against R: 0 for a reference never
    beaten, 1 for one never lost to) and `upstream_value` is what evalica/llmtf_open return.
    In the non-degenerate case the evalica fit equals these weighted win shares too.
    """
    import evalica

    if not games:
        raise ValueError("arena_score: no games to score")
    model_names = sorted({g["model_name"] for g in games})
    if len(model_names) != 1:
        raise ValueError(f"arena_score: expected games of one evaluated model, got {model_names}")
    model = model_names[0]
    deltas: dict[str, list[float]] = {}
    pairs: dict[tuple[str, str], list[dict]] = {}
    for g in games:
        ref = g["reference_model_name"]
        if ref == model:
            raise ValueError(f"arena_score: reference {ref!r} has the evaluated model's name")
        p = float(g["p"])
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"arena_score: p={g['p']!r} of game {g['id']}|{ref} is not a probability")
        deltas.setdefault(ref, []).append(float(g["lens"]["reference"]) - float(g["lens"]["model"]))
        pairs.setdefault((str(g["id"]), ref), []).append(g)
    std = {ref: _sample_std(d) for ref, d in deltas.items()}
    rows = []  # (reference, win 0/1, weight) per (question, reference)
    for (qid, ref), pair in sorted(pairs.items()):
        if len(pair) != 2:
            raise ValueError(f"arena_score: question {qid} vs {ref} has {len(pair)} game(s); both orders needed")
        win = int(math.fsum(float(g["p"]) for g in pair) / 2 >= 0.5)
        weight = 0.5
        delta = float(pair[0]["lens"]["reference"]) - float(pair[0]["lens"]["model"])
        if length_control and delta != 0:
            # std 0: upstream divides by zero, expit(+-inf) = 1 or 0
            weight = _expit(delta / std[ref]) if std[ref] > 0 else float(delta > 0)
        rows.append((ref, win, 2.0 * weight))
    refs = sorted(deltas)
    per_reference: dict[str, dict] = {}
    for ref in refs:
        mine = [(w, wt) for r, w, wt in rows if r == ref]
        won = math.fsum(wt for w, wt in mine if w)
        total = math.fsum(wt for _, wt in mine)
        per_reference[ref] = {
            "pairs": len(mine),
            "wins": sum(w for w, _ in mine),
            "weighted_win_share": won / total if total > 0 else 0.5,
        }
    never_beaten = [r for r in refs if per_reference[r]["weighted_win_share"] == 0]
    never_lost_to = [r for r in refs if per_reference[r]["weighted_win_share"] == 1]
    result = evalica.bradley_terry(
        [model] * len(rows),
        [r for r, _, _ in rows],
        [evalica.Winner.X if w else evalica.Winner.Y for _, w, _ in rows],
        weights=[wt for _, _, wt in rows],
        tolerance=1e-8,
    )
    frame = evalica.pairwise_frame(result.scores)  # P(row beats column) = s_row / (s_row + s_column)
    fitted = {ref: float(frame.loc[model, ref]) for ref in refs}
    out: dict = {
        "value": mean(fitted.values()),
        "estimator": ARENA_ESTIMATOR,
        "length_control": length_control,
        "n_pairs": len(rows),
        "degenerate": bool(never_beaten or never_lost_to),
        "never_beaten": never_beaten,
        "never_lost_to": never_lost_to,
        "bt_iterations": int(result.iterations),
    }
    if out["degenerate"]:
        out["upstream_value"] = out["value"]
        fitted = {ref: per_reference[ref]["weighted_win_share"] for ref in refs}
        out["value"] = mean(fitted.values())
    for ref in refs:
        per_reference[ref]["p_model_wins"] = fitted[ref]
    out["per_reference"] = per_reference
    return out
