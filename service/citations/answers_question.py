"""Does a supported sentence answer what was asked, or only repeat the question's own words?

A sentence can be faithful to its quote and still not answer: "The trip was postponed." for "Why
was the trip postponed?". The sentence must add something the question doesn't contain, and for
questions that ask for a quantity or a time, the kind of thing asked for.
"""

from __future__ import annotations

import re

from service.citations import relations
from service.citations.support import (
    MONTHS,
    STOPWORDS,
    WEEKDAYS,
    _preceded_by_other_name,
    _same_word,
    content_stems,
    names,
    normalise,
    words,
)

_HOW_MANY = re.compile(r"^\s*how (?:many|much)\b|\bwhat (?:number|percentage|share|amount)\b", re.I)
_WHEN = re.compile(r"^\s*when\b|\b(?:what|which) (?:year|month|day|date|time)\b|\bon what day\b|\bhow long\b", re.I)
# Questions that ask for someone, somewhere or a named thing ("In which federal prison...").
_WHO_WHICH = re.compile(r"^\s*(?:(?:in|at|from|to|for|with|by|on|into) )?(?:who|whom|whose|where|which)\b", re.I)
_AMOUNT_WORDS = frozenset("percent dollar dollars cents thousand million billion trillion dozen".split())
_TIME_WORDS = frozenset(
    "today yesterday tomorrow week weeks month months year years day days morning afternoon evening night "
    "decade decades hour hours minute minutes ago earlier later last next since until".split()
)


def answers_question(question: str, sentence: str) -> str | None:
    """``None`` when the sentence answers ``question``; otherwise why not."""
    if not relations.lemma_stems(sentence) - relations.lemma_stems(question) - _TITLES:
        return "it repeats the question without answering it"
    ws = words(sentence)
    has_number = any(w[0].isdigit() or w in ("thousand", "million", "billion", "dozen") for w in ws)
    if _HOW_MANY.search(question) and not has_number:
        return "the question asks for a number and the sentence has none"
    if _WHEN.search(question) and not (has_number or any(w in MONTHS or w in WEEKDAYS or w in _TIME_WORDS for w in ws)):
        return "the question asks when and the sentence has no time"
    if _WHO_WHICH.search(question) and not _WHEN.search(question) and has_number and not relations.has_verb(sentence):
        rest = set(words(sentence)) - set(words(question)) - STOPWORDS
        if all(w[0].isdigit() or w in _TIME_WORDS or w in _AMOUNT_WORDS for w in rest):
            return "the question asks who, where or which, and the sentence gives only an amount"
    return None


_LIGHT = frozenset("make do have get take give go come happen hold".split())
# Words that name the kind of answer wanted, not what the question is about.
_KINDS = frozenset(
    "job posit role titl name day month year date time place citi countri state kind type number amount languag "
    "compani organ group parti agenc person peopl thing much mani".split()
)
_TITLES = frozenset("presid mr mrs ms dr sen rep gov secretari minist senat repres".split())
MAX_HOPS_FROM_NAMES = 3  # when the quote words what was asked otherwise ("received" for "meet")
MAX_HOPS = 2  # how far (in the quote's parse tree) a short answer may sit from what was asked about
MIN_QUESTION_COVERAGE = 0.5


def fits_question(question: str, sentence: str, quotes: list[str]) -> str | None:
    """``None`` when the cited quotes connect the answer to what was asked; otherwise why not.

    A passage about someone else of the same surname doesn't answer the question: Hillary
    Clinton's doctor for Bill Clinton's.

    A short answer ("Chinese") must sit close, in a quote's parse tree, to the words the question
    is about ("small talk"): "Chinese Foreign Minister ... made small talk in English" cites
    "Chinese" for the wrong thing; nor may the quote say it didn't happen or only might ("Two
    senators didn't vote: Tim Kaine ..." for who cast the only vote), unless the question asks
    that. A full sentence must be cited to a passage that is about the question: most of the
    question's content words in the quotes or the sentence.
    """
    asked = set(content_stems(question))
    if not asked or not quotes:
        return None
    if other := _namesake(question, " ".join(quotes)):
        return f"the cited passage is about another {other}"
    if any(relations.list_rest(quote, sentence) for quote in quotes):
        return "it stops partway through the quote's list"
    if not relations.has_verb(sentence):
        stated = set(content_stems(sentence))
        answer = stated - asked
        # What the question is about, beyond the names it mentions and the kind of answer it
        # wants ("small talk" in "In what language did Blinken and Qin make small talk?").
        focus = asked - set(content_stems(" ".join(names(question)))) - _LIGHT - _KINDS
        if _only_names_from_question(question, sentence):
            return "it names who the question is about, not the answer"
        if answer and not any(_connects(quote, answer, focus, asked) for quote in quotes):
            return "the quote doesn't connect that answer to what was asked"
        around = frozenset(asked - stated)  # what the question asks about, beyond the answer
        if answer and not relations.is_unrealised(question) and all(relations.only_unrealised(q, answer, around) for q in quotes):
            return "in the quote that didn't happen, or was only planned or possible"
        return None
    # By lemma ("gave" is "give"), leaving out the words for the kind of answer wanted ("how much").
    topic = relations.lemma_stems(question) - _KINDS
    said = relations.lemma_stems(" ".join(quotes)) | relations.lemma_stems(sentence)
    covered = sum(any(_same_word(a, s) for s in said) for a in topic) / max(len(topic), 1)
    if covered < MIN_QUESTION_COVERAGE:
        return "the cited passage is about something else"
    return None


def _namesake(question: str, quotes: str) -> str | None:
    """The surname of a person the question names in full ("Bill Clinton") when the quotes name only
    someone else of that surname ("Hillary Clinton")."""
    asked = names(question)
    quoted = set(names(quotes))
    for first, last in zip(asked, asked[1:], strict=False):
        if first in quoted or last not in quoted or relations.stem(first) in _TITLES:
            continue
        if re.search(rf"\b{re.escape(first)}\s+{re.escape(last)}\b", normalise(question), re.I) and _preceded_by_other_name(
            last, quotes, list(quoted), asked
        ):
            return last.capitalize()
    return None


def _connects(quote: str, answer: set[str], focus: set[str], asked: set[str]) -> bool:
    """The answer sits next to the question's focus words in the quote, or a step further from
    several of them ("Mike Thompson, a California Democrat who is chairman of a task force"), or in
    the clause of the verb asked about, or, where the quote words the focus otherwise, a little
    further from the names the question mentions."""
    if focus & set(content_stems(quote)):
        return (
            relations.near(quote, answer, focus, MAX_HOPS)
            or len(relations.reach(quote, answer, focus, MAX_HOPS + 1)) >= 2
            or relations.in_clause_of(quote, answer, focus)
        )
    # Steps within the names count here: "Mr Blinken" is not one step from every word near it.
    return relations.near(quote, answer, asked, MAX_HOPS_FROM_NAMES, names_free=False)


_NAME_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def _only_names_from_question(question: str, sentence: str) -> bool:
    """A bare answer whose every name is a fuller form of one the question already has ("Antony Blinken")."""
    asked = set(names(question))
    runs = [{n for n in names(run) if relations.stem(n) not in _TITLES} for run in _NAME_RUN.findall(sentence)]
    runs = [r for r in runs if r]
    rest = set(content_stems(_NAME_RUN.sub(" ", sentence)))
    return bool(runs) and not rest and all(r & asked for r in runs)
