"""A Russian stand-in for LIBRA's ruBABILongQA1-5, built from real English bAbI rows.

LIBRA's ru_babilong rows are only on the hub. Offline we take the real bAbI test rows in
data/babi/en (BABILong's 0k form: the story's facts and one question), translate the closed bAbI
grammar into Russian by rule (gender agreement, cases), and hide the facts, in order, among
sentences of real Russian prose (FLORES-200 devtest, CC-BY-SA-4.0) until the context has the
configured number of tokens, as BABILong hides them in PG-19 books. Answers are single
nominative words, as in LIBRA; scoring lemmatises, so «в саду» matches «сад».
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

# name -> (nominative, dative, feminine?)
PEOPLE = {
    "Mary": ("Мария", "Марии", True),
    "John": ("Иван", "Ивану", False),
    "Sandra": ("Сандра", "Сандре", True),
    "Daniel": ("Даниил", "Даниилу", False),
    "Fred": ("Фёдор", "Фёдору", False),
    "Bill": ("Борис", "Борису", False),
    "Jeff": ("Евгений", "Евгению", False),
    "Julie": ("Юлия", "Юлии", True),
}
# place -> (nominative, "to" form, "at" form, genitive)
PLACES = {
    "bathroom": ("ванная", "в ванную", "в ванной", "ванной"),
    "hallway": ("коридор", "в коридор", "в коридоре", "коридора"),
    "garden": ("сад", "в сад", "в саду", "сада"),
    "office": ("офис", "в офис", "в офисе", "офиса"),
    "bedroom": ("спальня", "в спальню", "в спальне", "спальни"),
    "kitchen": ("кухня", "на кухню", "на кухне", "кухни"),
}
# object -> (nominative = accusative for these inanimate nouns, neuter?)
OBJECTS = {"football": ("мяч", False), "milk": ("молоко", True), "apple": ("яблоко", True)}
# English verb -> Russian past tense stem; masculine adds "", feminine adds "а" (after -ся: "ся"->"ась")
MOVES = {
    "moved": "переместился",
    "went": "пошёл",
    "journeyed": "отправился",
    "travelled": "направился",
    "went back": "вернулся",
}
TAKES = {"got": "взял", "grabbed": "схватил", "picked up": "подобрал", "took": "забрал"}
DROPS = {"dropped": "бросил", "put down": "положил", "discarded": "выбросил", "left": "оставил"}
GIVES = {"gave": "дал", "handed": "вручил", "passed": "передал"}
DIRECTIONS = {"east": "к востоку", "west": "к западу", "north": "к северу", "south": "к югу"}

_P = "|".join(PEOPLE)
_L = "|".join(PLACES)
_O = "|".join(OBJECTS)


def past(verb: str, feminine: bool) -> str:
    """Past tense in the subject's gender: пошёл/пошла, вернулся/вернулась, взял/взяла."""
    if not feminine:
        return verb
    if verb == "пошёл":
        return "пошла"
    if verb.endswith("ся"):
        return verb[:-2] + "ась"
    return verb + "а"


def _neuter_past(verb_m: str, neuter: bool) -> str:
    if not neuter:
        return verb_m
    return verb_m[:-2] + "ось" if verb_m.endswith("ся") else verb_m + "о"


def translate_fact(sentence: str) -> str:
    """One bAbI fact in Russian; an unknown pattern raises ValueError naming it."""
    s = sentence.strip().rstrip(".")
    if m := re.fullmatch(rf"({_P}) ({'|'.join(MOVES)}) to the ({_L})", s):
        name, fem = PEOPLE[m[1]][0], PEOPLE[m[1]][2]
        return f"{name} {past(MOVES[m[2]], fem)} {PLACES[m[3]][1]}."
    for verbs in (TAKES, DROPS):
        if m := re.fullmatch(rf"({_P}) ({'|'.join(verbs)}) the ({_O})( there)?", s):
            name, fem = PEOPLE[m[1]][0], PEOPLE[m[1]][2]
            there = " там" if m[4] else ""
            return f"{name} {past(verbs[m[2]], fem)} {OBJECTS[m[3]][0]}{there}."
    if m := re.fullmatch(rf"({_P}) ({'|'.join(GIVES)}) the ({_O}) to ({_P})", s):
        name, fem = PEOPLE[m[1]][0], PEOPLE[m[1]][2]
        return f"{name} {past(GIVES[m[2]], fem)} {OBJECTS[m[3]][0]} {PEOPLE[m[4]][1]}."
    if m := re.fullmatch(rf"The ({_L}) is ({'|'.join(DIRECTIONS)}) of the ({_L})", s):
        return f"{PLACES[m[1]][0].capitalize()} находится {DIRECTIONS[m[2]]} от {PLACES[m[3]][3]}."
    raise ValueError(f"bAbI fact outside the translated grammar: {sentence!r}")


def translate_question(question: str) -> str:
    q = question.strip().rstrip("?")
    if m := re.fullmatch(rf"Where is ({_P})", q):
        return f"Где находится {PEOPLE[m[1]][0]}?"
    if m := re.fullmatch(rf"Where is the ({_O})", q):
        return f"Где находится {OBJECTS[m[1]][0]}?"
    if m := re.fullmatch(rf"Where was the ({_O}) before the ({_L})", q):
        obj, neuter = OBJECTS[m[1]]
        return (
            f"Где {_neuter_past('находился', neuter)} {obj} перед тем, как "
            f"{_neuter_past('оказался', neuter)} {PLACES[m[2]][2]}?"
        )
    if m := re.fullmatch(rf"What is ({'|'.join(DIRECTIONS)}) of the ({_L})", q):
        return f"Что находится {DIRECTIONS[m[1]]} от {PLACES[m[2]][3]}?"
    if m := re.fullmatch(rf"What is the ({_L}) ({'|'.join(DIRECTIONS)}) of", q):
        return f"{DIRECTIONS[m[2]].capitalize()} от чего находится {PLACES[m[1]][0]}?"
    if m := re.fullmatch(rf"What did ({_P}) give to ({_P})", q):
        return f"Что {PEOPLE[m[1]][0]} {past('дал', PEOPLE[m[1]][2])} {PEOPLE[m[2]][1]}?"
    if m := re.fullmatch(rf"Who did ({_P}) give the ({_O}) to", q):
        return f"Кому {PEOPLE[m[1]][0]} {past('дал', PEOPLE[m[1]][2])} {OBJECTS[m[2]][0]}?"
    if m := re.fullmatch(rf"Who gave the ({_O}) to ({_P})", q):
        return f"Кто дал {OBJECTS[m[1]][0]} {PEOPLE[m[2]][1]}?"
    if m := re.fullmatch(rf"Who gave the ({_O})", q):
        return f"Кто дал {OBJECTS[m[1]][0]}?"
    if m := re.fullmatch(rf"Who received the ({_O})", q):
        return f"Кто получил {OBJECTS[m[1]][0]}?"
    raise ValueError(f"bAbI question outside the translated grammar: {question!r}")


def translate_answer(answer: str) -> str:
    """Answers as single nominative words (LIBRA's ru_babilong targets are single words)."""
    for table in (PLACES, OBJECTS, PEOPLE):
        if answer in table:
            return table[answer][0]
    raise ValueError(f"bAbI answer outside the translated vocabulary: {answer!r}")


def split_facts(story: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", story.strip()) if s]


def build_babilong(
    rows: list[dict],
    task: str,
    lengths: dict[str, int],
    filler_sentences: list[str],
    count_tokens: Callable[[str], int],
    seed: int,
) -> list[dict]:
    """LIBRA-schema samples: each row's translated facts, in order, spread among filler sentences
    up to about `lengths[label]` tokens (just the facts when they alone are longer)."""
    if not filler_sentences:
        raise ValueError("babilong_ru: no filler sentences")
    filler_tokens = [count_tokens(s) for s in filler_sentences]
    samples = []
    for i, row in enumerate(rows):
        facts = [translate_fact(f) for f in split_facts(row["input"])]
        question, answer = translate_question(row["question"]), translate_answer(row["target"])
        fact_tokens = count_tokens(" ".join(facts))
        for label, target in lengths.items():
            rng = random.Random(f"{seed}:{task}:{i}:{label}")
            start, filler, budget = rng.randrange(len(filler_sentences)), [], target - fact_tokens
            while budget > 0:
                k = (start + len(filler)) % len(filler_sentences)
                filler.append(filler_sentences[k])
                budget -= filler_tokens[k]
            positions = sorted(rng.randint(0, len(filler)) for _ in facts)
            context: list[str] = []
            fact_iter = iter(zip(positions, facts, strict=True))
            pending = next(fact_iter, None)
            for slot in range(len(filler) + 1):
                while pending is not None and pending[0] == slot:
                    context.append(pending[1])
                    pending = next(fact_iter, None)
                if slot < len(filler):
                    context.append(filler[slot])
            samples.append(
                {
                    "id": f"{task}-{i}-{label}",
                    "length": label,
                    "context": " ".join(context),
                    "input": question,
                    "positive_outputs": [answer],
                    "negative_outputs": [],
                    "metadata": {"id": i, "source_path": "bAbI en test (translated to Russian by rule)"},
                }
            )
    return samples
