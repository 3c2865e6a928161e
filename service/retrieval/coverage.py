"""How much of a question the retrieved text even mentions: a cheap, deterministic abstention guard.

A small model asked something the articles never mention tends to copy a nearby sentence
anyway; if most of the question's content words appear in no retrieved chunk, Newsdesk
abstains without calling the model at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from service.retrieval.hybrid import tokenize

# Words that say what kind of answer is wanted, not what it is about.
_QUESTION_WORDS = frozenset("many much according report reported say said tell told mention mentioned article articles".split())


def stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def terms(text: str) -> set[str]:
    return {stem(w) for w in tokenize(text) if w not in _QUESTION_WORDS}


def coverage(question: str, texts: Iterable[str]) -> float:
    """Share of the question's content words found in ``texts`` (1.0 for a question with none)."""
    wanted = terms(question)
    if not wanted:
        return 1.0
    found: set[str] = set()
    for text in texts:
        found |= wanted & terms(text)
    return len(found) / len(wanted)
