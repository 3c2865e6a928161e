"""English Snowball stems, safe to take from several threads at once.

A ``snowballstemmer`` stemmer keeps the word it is working on in the object, so one shared
stemmer gives wrong stems (or an IndexError) when two requests verify answers at the same time;
each thread gets its own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import snowballstemmer

_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("english")
    return stemmer


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def stem_words(words: Iterable[str]) -> list[str]:
    return _stemmer().stemWords(list(words))
