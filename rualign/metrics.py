"""Metrics of the thesis's evaluation suite, each as the framework the thesis used computed it.

- LIBRA as llmtf_open scored it (the thesis's framework): lemmatised substring EM and token F1.
- LIBRA's original scoring (ai-forever/LIBRA evaluation/metrics.py): raw substring EM, SQuAD F1,
  and the negative-outputs penalty.
- FLORES: mean of ROUGE-1 and ROUGE-2 F-measures with a tokenizer that keeps Cyrillic.
- Accuracy and a percentile bootstrap CI of a mean.
"""

from __future__ import annotations

import functools
import re
import string
from collections import Counter
from collections.abc import Sequence

import numpy as np

_NON_WORD_LLMTF = re.compile(r"[^a-zа-яй0-9_]")  # llmtf_open's class: note it has no «ё»
_PUNCT_TABLE = str.maketrans("", "", string.punctuation)


@functools.lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@functools.lru_cache(maxsize=200_000)
def lemma(token: str) -> str:
    """pymorphy3's first normal form of a token (unchanged for non-Russian tokens)."""
    return _morph().parse(token)[0].normal_form


# ---------------------------------------------------------------- LIBRA as llmtf_open scores it
def normalize_llmtf(text: str) -> list[str]:
    """llmtf_open's LIBRA normalisation: lowercase each whitespace token, drop every character
    outside [a-zа-яй0-9_] (so «ё» and all punctuation go), drop empty tokens, lemmatise."""
    tokens = (_NON_WORD_LLMTF.sub("", tok.lower()) for tok in text.split())
    return [lemma(tok) for tok in tokens if tok]


def em_llmtf(prediction: str, gold: str) -> float:
    """1.0 if the normalised gold answer is a substring of the normalised prediction."""
    return float(" ".join(normalize_llmtf(gold)) in " ".join(normalize_llmtf(prediction)))


def _token_f1(pred_tokens: Sequence[str], gold_tokens: Sequence[str]) -> float:
    common = Counter(pred_tokens) & Counter(gold_tokens)
    overlap = sum(common.values())
    if not pred_tokens or not gold_tokens or overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred_tokens), overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def f1_llmtf(prediction: str, gold: str) -> float:
    """SQuAD-style Counter-overlap F1 on llmtf_open's lemmatised tokens."""
    return _token_f1(normalize_llmtf(prediction), normalize_llmtf(gold))


# ---------------------------------------------------------------- LIBRA's original scoring
def em_libra(prediction: str, gold: str) -> float:
    """LIBRA's exact_match_score: raw, case-sensitive substring test."""
    return float(gold in prediction)


def _normalize_libra(text: str) -> list[str]:
    return " ".join(text.lower().translate(_PUNCT_TABLE).split()).split()


def f1_libra(prediction: str, gold: str) -> float:
    """LIBRA's qa_f1_score: lowercase, ASCII punctuation removed, whitespace tokens, Counter F1."""
    return _token_f1(_normalize_libra(prediction), _normalize_libra(gold))


_LIBRA_METRICS = {
    ("llmtf", "em"): em_llmtf,
    ("llmtf", "f1"): f1_llmtf,
    ("libra", "em"): em_libra,
    ("libra", "f1"): f1_libra,
}


def libra_sample_score(
    prediction: str, positives: Sequence[str], negatives: Sequence[str] | None, metric: str, scoring: str = "llmtf"
) -> float:
    """Score of one sample: max over positive outputs; LIBRA scoring also penalises negatives."""
    if (scoring, metric) not in _LIBRA_METRICS:
        raise ValueError(
            f"unknown LIBRA scoring '{scoring}'/metric '{metric}' (scoring: llmtf or libra; metric: em or f1)"
        )
    fn = _LIBRA_METRICS[(scoring, metric)]
    score = max((fn(prediction, gold) for gold in positives), default=0.0)
    if scoring == "libra" and negatives:
        found = sum(neg in prediction for neg in negatives)
        score = 0.0 if found == len(negatives) else max(score - found / len(negatives), 0.0)
    return score


# ---------------------------------------------------------------- FLORES ROUGE
_WORD = re.compile(r"[0-9a-zа-яё]+")


class RussianAwareTokenizer:
    """rouge-score tokenizer that keeps Cyrillic: lowercase, punctuation dropped, Russian lemmatised.

    rouge-score's default tokenizer replaces every non [a-z0-9] character by a space, so a Russian
    sentence becomes no tokens at all and scores 0 against anything, itself included.
    """

    def __init__(self, lemmatize: bool = True):
        self.lemmatize = lemmatize

    def tokenize(self, text: str) -> list[str]:
        tokens = _WORD.findall(text.lower())
        if not self.lemmatize:
            return tokens
        return [lemma(t) if re.search("[а-яё]", t) else t for t in tokens]


@functools.lru_cache(maxsize=2)
def _rouge_scorer(lemmatize: bool):
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rouge1", "rouge2"], tokenizer=RussianAwareTokenizer(lemmatize))


def flores_rouge(prediction: str, reference: str, lemmatize: bool = True) -> dict[str, float]:
    """ROUGE-1 and ROUGE-2 F-measures and their mean (`score`), the thesis's FLORES metric."""
    scores = _rouge_scorer(lemmatize).score(reference, prediction)
    r1, r2 = scores["rouge1"].fmeasure, scores["rouge2"].fmeasure
    return {"rouge1": r1, "rouge2": r2, "score": (r1 + r2) / 2}


# ---------------------------------------------------------------- aggregation
def mean(values: Sequence[float]) -> float:
    if len(values) == 0:
        raise ValueError("mean of no values: the benchmark produced no scored items")
    return float(sum(values) / len(values))


def accuracy(correct: Sequence[bool | int]) -> float:
    return mean([float(bool(c)) for c in correct])


def bootstrap_ci(
    values: Sequence[float], n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (deterministic for a seed)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        raise ValueError("bootstrap of no values")
    if data.size == 1 or np.all(data == data[0]):
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(n_resamples, data.size))].mean(axis=1)
    alpha = (1 - confidence) / 2
    return float(np.quantile(means, alpha)), float(np.quantile(means, 1 - alpha))
