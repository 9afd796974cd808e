"""Every metric against values worked out by hand (the arithmetic is in the comments).

Lemmas used below are pymorphy3's first parses: кошки/кошка -> кошка, сидит/сидят/сидели ->
сидеть, ковре -> ковёр, саду -> сад, кухне -> кухня, диване -> диван.
"""

import math

import pytest

from rualign import metrics as M

# ---------------------------------------------------------------- normalize_llmtf


def test_normalize_llmtf_lowercases_strips_punctuation_and_lemmatises():
    # "Кошки" -> "кошки" -> кошка; "сидели," -> "сидели" -> сидеть; "ковре!" -> "ковре" -> ковёр
    assert M.normalize_llmtf("Кошки сидели, на ковре!") == ["кошка", "сидеть", "на", "ковёр"]


def test_normalize_llmtf_keeps_tokens_left_empty_as_the_thesis():
    # "—" and "..." contain no [a-zа-яй0-9_] character: they become empty tokens (libra_eval.py)
    assert M.normalize_llmtf("сад — ... кухня") == ["сад", "", "", "кухня"]
    assert M.normalize_llmtf("— ...") == ["", ""]
    assert M.normalize_llmtf("") == []


def test_em_llmtf_does_not_bridge_a_lone_dash():
    # thesis: "сад  это сад" (double space where «—» was) does not contain "сад это"
    assert M.em_llmtf("сад — это сад", "сад это") == 0.0
    assert M.em_llmtf("сад это сад", "сад это") == 1.0
    # F1 splits again, so the empty token does not count
    assert M.f1_llmtf("сад — кухня", "сад кухня") == 1.0


def test_normalize_llmtf_keeps_latin_digits_underscore_and_yi():
    # Latin and digits are in the class and pymorphy3 leaves them unchanged; «й» is kept
    assert M.normalize_llmtf("Room_12 42") == ["room_12", "42"]
    assert M.normalize_llmtf("мой") == ["мой"]


def test_normalize_llmtf_deletes_yo_as_llmtf_open_does():
    # [^a-zа-яй0-9_] has no «ё»: "Ёлка" -> "ёлка" -> "лка" (unknown word, lemma unchanged)
    assert M.normalize_llmtf("Ёлка") == ["лка"]
    # ... so the same word spelt with «е» and with «ё» no longer matches
    assert M.em_llmtf("ёлка", "елка") == 0.0
    assert M.em_llmtf("елка", "елка") == 1.0


# ---------------------------------------------------------------- EM


def test_em_llmtf_matches_inflected_answers():
    # "Мария находится в саду." -> [мария, находиться, в, сад]; gold "сад" is a substring
    assert M.em_llmtf("Мария находится в саду.", "сад") == 1.0
    assert M.em_llmtf("На кухне", "кухня") == 1.0  # кухне -> кухня
    assert M.em_llmtf("В спальне", "кухня") == 0.0  # спальне -> спальня
    # multi-word gold: "кошка сидеть на ковёр" contains "кошка сидеть"
    assert M.em_llmtf("кошка сидит на ковре", "кошки сидят") == 1.0


def test_em_libra_is_raw_and_case_sensitive_where_llmtf_is_not():
    assert M.em_libra("Она в саду", "сад") == 1.0  # "сад" is a raw substring of "саду"
    assert M.em_libra("Сад", "сад") == 0.0  # case-sensitive
    assert M.em_llmtf("Сад", "сад") == 1.0  # lowercased
    assert M.em_libra("На кухне", "кухня") == 0.0  # no lemmatisation
    assert M.em_libra("кошка сидит на ковре", "кошки сидят") == 0.0


# ---------------------------------------------------------------- F1


def test_f1_llmtf_by_hand():
    # pred [кошка, сидеть, на, ковёр] vs gold "кошки сидят" -> [кошка, сидеть]: overlap 2
    # precision 2/4, recall 2/2 -> F1 = 2 * 0.5 * 1 / 1.5 = 2/3
    assert M.f1_llmtf("кошка сидит на ковре", "кошки сидят") == pytest.approx(2 / 3)
    # pred [кошка, сидеть] vs gold [кошка, сидеть, на, ковёр]: P 1, R 1/2 -> F1 = 2/3 too
    assert M.f1_llmtf("кошки сидят", "кошка сидит на ковре") == pytest.approx(2 / 3)
    # pred [собака, лежать] vs gold [кошка, сидеть]: no overlap
    assert M.f1_llmtf("собака лежит", "кошки сидят") == 0.0
    assert M.f1_llmtf("", "кошка") == 0.0
    assert M.f1_llmtf("кошка", "...") == 0.0


def test_f1_counts_repeated_tokens_once_per_gold_occurrence():
    # Counter overlap: pred [сад, сад, сад] & gold [сад] = 1; P 1/3, R 1 -> F1 = 2*(1/3)/(4/3) = 1/2
    assert M.f1_llmtf("сад сад сад", "сад") == pytest.approx(0.5)
    assert M.f1_libra("сад сад сад", "сад") == pytest.approx(0.5)
    # duplicates on both sides all count: overlap min(2, 2) = 2 -> P = R = 1 (a set gives 1/2)
    assert M.f1_llmtf("сад сад", "сад сад") == 1.0
    # pred [сад, кухня, сад] & gold [сад, сад] = 2: P 2/3, R 1 -> F1 = (4/3)/(5/3) = 4/5
    assert M.f1_libra("сад кухня сад", "сад сад") == pytest.approx(0.8)


def test_f1_libra_by_hand():
    # "the cat sat." -> [the, cat, sat]; "Cat sat on mat" -> [cat, sat, on, mat]
    # overlap 2: P 2/3, R 2/4 -> F1 = 2 * (2/3)(1/2) / (2/3 + 1/2) = (2/3) / (7/6) = 4/7
    assert M.f1_libra("the cat sat.", "Cat sat on mat") == pytest.approx(4 / 7)
    # no lemmatisation: [кошка, сидит, на, ковре] vs [кошки, сидят] share no token
    assert M.f1_libra("кошка сидит на ковре", "кошки сидят") == 0.0


def test_f1_libra_removes_ascii_punctuation_only():
    assert M.f1_libra("Сад!", "сад") == 1.0  # "!" is in string.punctuation
    assert M.f1_libra("«Сад»", "сад") == 0.0  # guillemets are not: token "«сад»" != "сад"
    assert M.f1_llmtf("«Сад»", "сад") == 1.0  # llmtf_open strips them


# ---------------------------------------------------------------- libra_sample_score


def test_libra_sample_score_takes_max_over_positives():
    # f1_llmtf vs "сад" = 0 and vs "на кухне" -> [на, кухня] vs pred [ответ, кухня]:
    # overlap 1, P 1/2, R 1/2 -> 1/2; vs "кухня" -> P 1/2, R 1 -> 2/3. max = 2/3
    score = M.libra_sample_score("ответ: кухня", ["сад", "на кухне", "кухня"], None, "f1")
    assert score == pytest.approx(2 / 3)
    assert M.libra_sample_score("ответ: кухня", ["сад", "кухня"], None, "em", "llmtf") == 1.0
    assert M.libra_sample_score("ответ: офис", ["сад", "кухня"], None, "em", "llmtf") == 0.0


NEGATIVES = ["кухня", "офис", "спальня"]


@pytest.mark.parametrize(
    ("prediction", "expected"),
    [
        ("сад", 1.0),  # none found: no penalty
        ("сад, кухня", 1 - 1 / 3),  # 1 of 3 found: 1 - 1/3
        ("сад, кухня, офис", 1 - 2 / 3),  # 2 of 3 found: 1 - 2/3
        ("сад, кухня, офис, спальня", 0.0),  # all found: 0 whatever the positive score
        ("кухня", 0.0),  # positive 0, 1 found: max(0 - 1/3, 0) = 0 (floor)
        ("сад, Кухня", 1.0),  # negatives are raw case-sensitive substrings: "Кухня" not found
    ],
)
def test_libra_negative_outputs_rule(prediction, expected):
    score = M.libra_sample_score(prediction, ["сад"], NEGATIVES, "em", "libra")
    assert score == pytest.approx(expected)


def test_libra_all_negatives_found_is_exactly_zero():
    # the explicit "all found -> 0" branch matters in floating point: (1/49) * 49 < 1, so
    # the subtraction alone would leave 1.1e-16 instead of 0
    negatives = [f"n{i:02d}" for i in range(49)]
    prediction = "сад " + " ".join(negatives)
    assert M.libra_sample_score(prediction, ["сад"], negatives, "em", "libra") == 0.0


def test_libra_negative_rule_with_f1():
    # f1_libra("сад кухня", "сад") = P 1/2, R 1 -> 2/3; 1 of 2 negatives -> 2/3 - 1/2 = 1/6
    score = M.libra_sample_score("сад кухня", ["сад"], ["кухня", "офис"], "f1", "libra")
    assert score == pytest.approx(1 / 6)


def test_libra_without_negatives_and_llmtf_ignoring_them():
    assert M.libra_sample_score("сад, кухня", ["сад"], None, "em", "libra") == 1.0
    assert M.libra_sample_score("сад, кухня", ["сад"], [], "em", "libra") == 1.0
    all_found = "сад, кухня, офис, спальня"
    assert M.libra_sample_score(all_found, ["сад"], NEGATIVES, "em", "llmtf") == 1.0


def test_libra_unknown_names_list_the_allowed_values():
    with pytest.raises(ValueError, match="em, f1"):
        M.libra_sample_score("a", ["a"], None, "bleu", "llmtf")
    with pytest.raises(ValueError, match="llmtf, libra"):
        M.libra_sample_score("a", ["a"], None, "em", "longbench")


def test_libra_sample_needs_positives_as_a_list():
    with pytest.raises(ValueError, match="positive"):
        M.libra_sample_score("a", [], None, "em")
    with pytest.raises(TypeError):
        M.libra_sample_score("сад", "сад", None, "em")


# ---------------------------------------------------------------- FLORES ROUGE


def test_tokenizer_keeps_cyrillic_latin_and_digits():
    tok = M.RussianAwareTokenizer(lemmatize=False)
    assert tok.tokenize("Кошки, cats & 42 — «ёлка»!") == ["кошки", "cats", "42", "ёлка"]
    # lemmatised: Cyrillic gets its normal form, Latin is left as it is (no English stemming)
    lem = M.RussianAwareTokenizer()
    assert lem.tokenize("Кошки, cats & 42 — «ёлка»!") == ["кошка", "cats", "42", "ёлка"]
    assert lem.tokenize("...") == []


def test_llmtf_tokenizer_replaces_ascii_punctuation_only():
    tok = M.LlmtfTokenizer(lemmatize=False)
    assert tok.tokenize("Кошки, cats&dogs 4.2 — «ёлка»!") == ["кошки", "cats", "dogs", "4", "2", "—", "«ёлка»"]
    # lemmatised: every token goes through pymorphy (Latin and digits come back unchanged)
    assert M.LlmtfTokenizer().tokenize("Кошки, cats 42") == ["кошка", "cats", "42"]


def test_thesis_tokenizer_vs_ours_on_guillemets():
    pred, ref = "«Привет», — сказал он.", "Привет, сказал он."
    # llmtf: [«привет», —, сказать, он] vs [привет, сказать, он]
    assert M.flores_rouge(pred, ref)["rouge1"] == pytest.approx(2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3))
    assert M.flores_rouge(pred, ref, tokenizer="unicode")["score"] == 1.0
    with pytest.raises(ValueError, match="tokenizer"):
        M.flores_rouge(pred, ref, tokenizer="nltk")


def test_russian_sentence_against_itself_scores_one():
    sentence = "Теперь у нас есть четырёхмесячные мыши, у которых больше нет диабета."
    for tokenizer in M.FLORES_TOKENIZERS:
        assert M.flores_rouge(sentence, sentence, tokenizer=tokenizer) == {"rouge1": 1.0, "rouge2": 1.0, "score": 1.0}
        assert M.flores_rouge(sentence, sentence, lemmatize=False, tokenizer=tokenizer)["score"] == 1.0


def test_default_rouge_tokenizer_drops_cyrillic():
    """The pitfall both Cyrillic tokenizers exist for: rouge-score alone scores Russian 0."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"])
    same = "Мыши больше не болеют диабетом"
    scores = scorer.score(same, same)
    assert scores["rouge1"].fmeasure == 0.0
    assert scores["rouge2"].fmeasure == 0.0
    # control: the same scorer does give 1.0 on an identical English pair
    english = "The mice no longer have diabetes"
    assert scorer.score(english, english)["rouge1"].fmeasure == 1.0


def test_flores_rouge_partial_overlap_by_hand_without_lemmas():
    # ref [кошка, спит, на, диване], pred [кошка, спит, дома]
    # ROUGE-1: overlap 2, P 2/3, R 2/4 -> F = 2*(2/3)(1/2)/(7/6) = 4/7
    # bigrams ref [кошка спит, спит на, на диване], pred [кошка спит, спит дома]:
    # overlap 1, P 1/2, R 1/3 -> F = 2*(1/6)/(5/6) = 2/5
    scores = M.flores_rouge("Кошка спит дома.", "Кошка спит на диване.", lemmatize=False)
    assert scores["rouge1"] == pytest.approx(4 / 7)
    assert scores["rouge2"] == pytest.approx(2 / 5)
    assert scores["score"] == pytest.approx((4 / 7 + 2 / 5) / 2)


def test_flores_rouge_partial_overlap_by_hand_with_lemmas():
    # ref "Кошки сидели на ковре." -> [кошка, сидеть, на, ковёр]
    # pred "Кошка сидит на диване" -> [кошка, сидеть, на, диван]
    # ROUGE-1: overlap 3 of 4 each side -> F = 3/4
    # bigrams [кошка сидеть, сидеть на, на ковёр] vs [кошка сидеть, сидеть на, на диван]:
    # overlap 2 of 3 each side -> F = 2/3; score = (3/4 + 2/3)/2 = 17/24
    scores = M.flores_rouge("Кошка сидит на диване", "Кошки сидели на ковре.")
    assert scores["rouge1"] == pytest.approx(3 / 4)
    assert scores["rouge2"] == pytest.approx(2 / 3)
    assert scores["score"] == pytest.approx(17 / 24)
    # without lemmas only "на" is shared: ROUGE-1 = 1/4, no shared bigram, score = 1/8
    raw = M.flores_rouge("Кошка сидит на диване", "Кошки сидели на ковре.", lemmatize=False)
    assert raw == pytest.approx({"rouge1": 1 / 4, "rouge2": 0.0, "score": 1 / 8})


def test_flores_rouge_empty_prediction_scores_zero():
    assert M.flores_rouge("", "Кошка спит.") == {"rouge1": 0.0, "rouge2": 0.0, "score": 0.0}


# ---------------------------------------------------------------- mean, accuracy


def test_mean_and_accuracy_by_hand():
    assert M.mean([0.0, 0.5, 1.0, 0.5]) == pytest.approx(0.5)
    assert M.mean(x / 10 for x in range(1, 4)) == pytest.approx(0.2)  # (0.1+0.2+0.3)/3
    assert M.accuracy([True, False, 1, 0]) == 0.5
    assert M.accuracy([True, True, True, False]) == 0.75


def test_mean_and_accuracy_reject_empty_input():
    with pytest.raises(ValueError, match="empty"):
        M.mean([])
    with pytest.raises(ValueError, match="empty"):
        M.accuracy([])


def test_accuracy_rejects_non_binary_entries():
    with pytest.raises(ValueError, match="0/1"):
        M.accuracy([1, 2])


# ---------------------------------------------------------------- bootstrap_ci


def test_bootstrap_ci_is_deterministic_per_seed():
    values = [0.0, 1.0, 1.0, 0.0, 1.0, 0.25, 0.75, 0.5, 1.0, 0.0]
    first = M.bootstrap_ci(values, n_resamples=500, seed=3)
    assert first == M.bootstrap_ci(values, n_resamples=500, seed=3)
    assert first != M.bootstrap_ci(values, n_resamples=500, seed=4)


def test_bootstrap_ci_contains_the_mean_and_stays_in_range():
    values = [0.0, 1.0] * 10  # mean 0.5
    lo, hi = M.bootstrap_ci(values, n_resamples=500, seed=3)
    assert 0.0 <= lo < 0.5 < hi <= 1.0


def test_bootstrap_ci_two_values_by_hand():
    # resampled means of [0, 1] take 0 (p 1/4), 1/2 (p 1/2) or 1 (p 1/4): with 2000 resamples
    # the 2.5 % quantile falls among the zeros and the 97.5 % one among the ones
    assert M.bootstrap_ci([0.0, 1.0], n_resamples=2000) == (0.0, 1.0)


def test_bootstrap_ci_width_matches_the_normal_approximation():
    # 3000 ones, 7000 zeros: mean 0.3, standard error sqrt(0.3*0.7/10000) = 0.00458
    # -> 95 % interval about 0.3 -+ 1.96*0.00458 = (0.291, 0.309). This also runs the chunked
    # resampling path (10000 values x 4000 resamples > one chunk). A 98.75 % interval would be
    # 0.0025 wider on each side, so the tolerance tells the two apart.
    lo, hi = M.bootstrap_ci([1.0] * 3000 + [0.0] * 7000, n_resamples=4000, seed=0)
    half = 1.96 * math.sqrt(0.3 * 0.7 / 10000)
    assert lo == pytest.approx(0.3 - half, abs=0.001)
    assert hi == pytest.approx(0.3 + half, abs=0.001)


def test_bootstrap_ci_wider_at_higher_confidence():
    values = [0.1, 0.9, 0.4, 0.7, 0.2, 0.5, 0.3, 0.8]
    lo80, hi80 = M.bootstrap_ci(values, confidence=0.8, seed=1)
    lo99, hi99 = M.bootstrap_ci(values, confidence=0.99, seed=1)
    assert lo99 < lo80 < hi80 < hi99


def test_bootstrap_ci_degenerate_cases():
    assert M.bootstrap_ci([0.7], seed=1) == (0.7, 0.7)
    assert M.bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)
    # exactly v, not a float-rounded resampled mean ((0.1 + 0.1 + 0.1) / 3 != 0.1)
    assert M.bootstrap_ci([0.1, 0.1, 0.1]) == (0.1, 0.1)
    with pytest.raises(ValueError, match="non-empty"):
        M.bootstrap_ci([])
    with pytest.raises(ValueError, match="confidence"):
        M.bootstrap_ci([0.0, 1.0], confidence=1.5)
    with pytest.raises(ValueError, match="n_resamples"):
        M.bootstrap_ci([0.0, 1.0], n_resamples=0)
    with pytest.raises(ValueError, match="NaN"):
        M.bootstrap_ci([0.0, float("nan")])


# ---------------------------------------------------------------- MMLU category mean


def test_mmlu_category_mean_by_hand():
    items = [
        {"subject": "anatomy", "correct": 1},  # other: anatomy 1.0
        {"subject": "virology", "correct": 0},  # other: virology 0.0 -> other = 0.5
        {"subject": "virology", "correct": 0},
        {"subject": "abstract_algebra", "correct": 1},  # STEM 1.0
    ]
    got = M.mmlu_category_mean(items)
    assert got["per_category"] == {"STEM": 1.0, "other (business, health, misc.)": 0.5}
    assert got["score"] == pytest.approx(0.75)
    assert got["micro_accuracy"] == pytest.approx(0.5)


def test_mmlu_category_mean_maps_standin_subjects_or_fails_clearly():
    items = [{"subject": "music", "correct": 1}, {"subject": "anatomy", "correct": 0}]
    with pytest.raises(ValueError, match="music"):
        M.mmlu_category_mean(items)
    got = M.mmlu_category_mean(items, {"music": "humanities"})
    assert got["per_category"] == {"humanities": 1.0, "other (business, health, misc.)": 0.0}
    with pytest.raises(ValueError, match="category"):
        M.mmlu_category_mean(items, {"music": "arts"})
