"""Metrics of the thesis's evaluation suite, each computed as the framework the thesis used did.

- LIBRA as llmtf_open scores it (`RefalMachine/llmtf_open`, `llmtf/tasks/libra/libra.py`, the
  thesis's framework): lemmatised substring EM and lemmatised token F1; negatives ignored.
- LIBRA's original scoring (`ai-forever/LIBRA`, `evaluation/metrics.py` and `eval.py`): raw
  substring EM, SQuAD-style F1, and the negative-outputs penalty.
- FLORES (Darumeru via llmtf_open): mean of the ROUGE-1 and ROUGE-2 F-measures, computed with a
  tokenizer that keeps Cyrillic (rouge-score's default one drops it).
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
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

__all__ = [
    "LIBRA_METRICS",
    "LIBRA_SCORINGS",
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
    """llmtf_open's LIBRA `normalize_answer`: lowercase each whitespace token, delete every
    character outside `[a-zа-яй0-9_]`, drop tokens left empty, lemmatise with pymorphy3.

    Faithful quirk: the class has no «ё», so «ё» is deleted before lemmatising (ёлка -> лка).
    One deliberate difference: llmtf_open keeps tokens left empty (a lone «—» becomes "" and
    a double space in the joined string); here they are dropped, which can only make EM match
    where llmtf_open would not when punctuation stands alone between words of the gold answer.
    """
    tokens = (_NON_WORD_LLMTF.sub("", tok.lower()) for tok in text.split())
    return [lemma(tok) for tok in tokens if tok]


def em_llmtf(prediction: str, gold: str) -> float:
    """llmtf_open's `exact_match_score`: 1.0 if the normalised gold answer (tokens joined by
    spaces) is a substring of the normalised prediction, else 0.0. A gold answer that
    normalises to nothing matches anything, as in llmtf_open."""
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
    """llmtf_open's `qa_f1_score`: Counter-overlap F1 on the lemmatised tokens."""
    return _token_f1(normalize_llmtf(prediction), normalize_llmtf(gold))


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
class RussianAwareTokenizer:
    """A rouge-score tokenizer (it implements `tokenize(text) -> list[str]`) that keeps Cyrillic.

    rouge-score's default tokenizer lowercases and replaces every character outside [a-z0-9]
    by a space, so a Russian sentence has no tokens at all and scores 0 against anything,
    itself included. This one, like llmtf_open's `CustomTokenizer` used for Darumeru: lowercase,
    punctuation removed, then (with `lemmatize`) pymorphy3 normal forms of Cyrillic tokens;
    Latin tokens and numbers are kept as they are. Tokens are runs of Unicode letters or
    digits (after NFC normalisation), so Unicode punctuation («», —, …) is removed as well,
    where llmtf_open's ASCII-only punctuation class would leave it glued to the words.
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


@functools.lru_cache(maxsize=2)
def _rouge_scorer(lemmatize: bool):
    from rouge_score import rouge_scorer

    tokenizer = RussianAwareTokenizer(lemmatize=lemmatize)
    return rouge_scorer.RougeScorer(["rouge1", "rouge2"], tokenizer=tokenizer)


def flores_rouge(prediction: str, reference: str, lemmatize: bool = True) -> dict[str, float]:
    """The thesis's FLORES metric (Darumeru): ROUGE-1 and ROUGE-2 F-measures of the prediction
    against the reference and their mean under `score`.

    Scored with `rouge_score.rouge_scorer.RougeScorer` and a `RussianAwareTokenizer`: with the
    package's default tokenizer every Cyrillic character is dropped and en->ru scores 0.
    """
    scores = _rouge_scorer(lemmatize).score(reference, prediction)
    r1, r2 = scores["rouge1"].fmeasure, scores["rouge2"].fmeasure
    return {"rouge1": r1, "rouge2": r2, "score": (r1 + r2) / 2}


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
