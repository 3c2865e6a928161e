"""Does a supported sentence answer what was asked, or only repeat the question's own words?

A sentence can be faithful to its quote and still not answer: "The trip was postponed." for "Why
was the trip postponed?". The sentence must add something the question doesn't contain, and for
questions that ask for a quantity or a time, the kind of thing asked for.
"""

from __future__ import annotations

import re

from service.citations.support import MONTHS, WEEKDAYS, content_stems, words

_HOW_MANY = re.compile(r"^\s*how (?:many|much)\b|\bwhat (?:number|percentage|share|amount)\b", re.I)
_WHEN = re.compile(r"^\s*when\b|\b(?:what|which) (?:year|month|day|date|time)\b|\bon what day\b|\bhow long\b", re.I)
_TIME_WORDS = frozenset(
    "today yesterday tomorrow week weeks month months year years day days morning afternoon evening night "
    "decade decades hour hours minute minutes ago earlier later last next since until".split()
)


def answers_question(question: str, sentence: str) -> str | None:
    """``None`` when the sentence answers ``question``; otherwise why not."""
    if not set(content_stems(sentence)) - set(content_stems(question)):
        return "it repeats the question without answering it"
    ws = words(sentence)
    has_number = any(w[0].isdigit() or w in ("thousand", "million", "billion", "dozen") for w in ws)
    if _HOW_MANY.search(question) and not has_number:
        return "the question asks for a number and the sentence has none"
    if _WHEN.search(question) and not (has_number or any(w in MONTHS or w in WEEKDAYS or w in _TIME_WORDS for w in ws)):
        return "the question asks when and the sentence has no time"
    return None
