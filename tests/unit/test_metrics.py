"""Every metric against values worked out by hand."""

import pytest

from rualign import metrics as M


def test_normalize_llmtf_lowercases_strips_and_lemmatises():
    # "Кошки" -> "кошки" -> lemma "кошка"; "сидели," -> "сидели" -> "сидеть"; "ковре!" -> "ковёр"
    assert M.normalize_llmtf("Кошки сидели, на ковре!") == ["кошка", "сидеть", "на", "ковёр"]


def test_normalize_llmtf_drops_yo_as_llmtf_does():
    # llmtf_open's class [^a-zа-яй0-9_] has no «ё»: "ёж" loses its first letter before lemmatising.
    assert M.normalize_llmtf("ёж")[0] != "ёж"
    assert M.normalize_llmtf("— ...") == []


def test_em_llmtf_matches_inflected_answer():
    assert M.em_llmtf("Мария находится в саду.", "сад") == 1.0  # "в саду" -> "в сад"
    assert M.em_llmtf("На кухне", "кухня") == 1.0
    assert M.em_llmtf("В спальне", "кухня") == 0.0


def test_em_libra_is_raw_and_case_sensitive():
    assert M.em_libra("Она в саду", "сад") == 1.0  # "сад" is a substring of "саду"
    assert M.em_libra("Сад", "сад") == 0.0
    assert M.em_llmtf("Сад", "сад") == 1.0


def test_f1_llmtf_by_hand():
    # pred lemmas [кошка, сидеть, на, ковёр] vs gold [кошка, сидеть]: overlap 2
    # precision 2/4, recall 2/2 -> F1 = 2 * 0.5 * 1 / 1.5 = 2/3
    assert M.f1_llmtf("кошки сидели на ковре", "кошка сидит") == pytest.approx(2 / 3)
    assert M.f1_llmtf("", "кошка") == 0.0
    assert M.f1_llmtf("собака", "кошка") == 0.0


def test_f1_libra_by_hand():
    # "the cat sat." -> [the, cat, sat]; gold "Cat sat on mat" -> [cat, sat, on, mat]
    # overlap 2: precision 2/3, recall 2/4 -> F1 = 2 * (2/3)(1/2) / (2/3 + 1/2) = 4/7
    assert M.f1_libra("the cat sat.", "Cat sat on mat") == pytest.approx(4 / 7)
    # no lemmatisation: inflected forms do not match
    assert M.f1_libra("кошки", "кошка") == 0.0


def test_libra_sample_score_max_over_positives():
    assert M.libra_sample_score("ответ: кухня", ["сад", "кухня"], None, "em", "llmtf") == 1.0


def test_libra_negative_outputs_rule():
    positives, negatives = ["сад"], ["кухня", "офис"]
    assert M.libra_sample_score("сад", positives, negatives, "em", "libra") == 1.0  # none found
    assert M.libra_sample_score("сад или кухня", positives, negatives, "em", "libra") == 0.5  # 1 of 2
    assert M.libra_sample_score("сад, кухня, офис", positives, negatives, "em", "libra") == 0.0  # all found
    assert M.libra_sample_score("кухня", positives, negatives, "em", "libra") == 0.0  # floored at 0
    # llmtf_open ignores negatives
    assert M.libra_sample_score("сад, кухня, офис", positives, negatives, "em", "llmtf") == 1.0


def test_libra_unknown_names():
    with pytest.raises(ValueError, match="scoring: llmtf or libra; metric: em or f1"):
        M.libra_sample_score("a", ["a"], None, "bleu", "llmtf")


def test_russian_sentence_against_itself_scores_one():
    sentence = "Теперь у нас есть четырёхмесячные мыши, у которых больше нет диабета."
    scores = M.flores_rouge(sentence, sentence)
    assert scores == {"rouge1": 1.0, "rouge2": 1.0, "score": 1.0}


def test_default_rouge_tokenizer_drops_cyrillic():
    """The pitfall the custom tokenizer exists for: rouge-score alone scores Russian 0."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1"])
    assert scorer.score("Мыши без диабета", "Мыши без диабета")["rouge1"].fmeasure == 0.0


def test_flores_rouge_partial_overlap_by_hand():
    # tokens (no lemmatisation): ref [кошка, спит, на, диване], pred [кошка, спит, дома]
    # ROUGE-1: overlap 2, P 2/3, R 2/4 -> F 4/7; bigrams ref [кошка спит, спит на, на диване],
    # pred [кошка спит, спит дома]: overlap 1, P 1/2, R 1/3 -> F 2/5
    scores = M.flores_rouge("Кошка спит дома.", "Кошка спит на диване.", lemmatize=False)
    assert scores["rouge1"] == pytest.approx(4 / 7)
    assert scores["rouge2"] == pytest.approx(2 / 5)
    assert scores["score"] == pytest.approx((4 / 7 + 2 / 5) / 2)


def test_flores_lemmatisation_matches_inflections():
    assert M.flores_rouge("кошки сидели", "кошка сидит", lemmatize=True)["rouge1"] == 1.0
    assert M.flores_rouge("кошки сидели", "кошка сидит", lemmatize=False)["rouge1"] == 0.0


def test_accuracy_and_mean():
    assert M.accuracy([True, False, 1, 0]) == 0.5
    with pytest.raises(ValueError, match="no scored items"):
        M.mean([])


def test_bootstrap_ci_deterministic_and_sane():
    values = [0.0, 1.0] * 10
    lo, hi = M.bootstrap_ci(values, n_resamples=500, seed=3)
    assert (lo, hi) == M.bootstrap_ci(values, n_resamples=500, seed=3)
    assert lo < 0.5 < hi and lo >= 0.0 and hi <= 1.0
    assert M.bootstrap_ci([0.7], seed=1) == (0.7, 0.7)
    assert M.bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)
