"""Does a text state a gold fact? Alias or regex matching after normalisation, nothing model-judged.

Normalised text is lower case, with curly quotes straightened, citation markers removed,
punctuation (hyphens included) turned into spaces, number words one to twenty turned into
digits, and single spaces: "co-operation" reads "co operation", "Five years" reads "5 years".
Aliases match whole words of the normalised text; regexes run on the normalised text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from service.evals.dataset import Fact

_MARKER = re.compile(r"\[\d{1,3}\]")
_POSSESSIVE = re.compile(r"'s\b")
_NON_WORD = re.compile(r"[^\w]+")
_NUMBER_WORDS = {
    w: str(n)
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", _MARKER.sub(" ", text)).casefold()
    text = _POSSESSIVE.sub("", text.replace("’", "'").replace("‘", "'")).replace("'", "")
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(_NUMBER_WORDS.get(w, w) for w in words)


@lru_cache(maxsize=4096)
def _alias(alias: str) -> str:
    return normalise(alias)


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def states(text: str, fact: Fact) -> bool:
    """True when ``text`` contains one of the fact's accepted phrasings."""
    return states_normalised(normalise(text), fact)


def states_normalised(norm: str, fact: Fact) -> bool:
    padded = f" {norm} "
    if any((a := _alias(alias)) and f" {a} " in padded for alias in fact.aliases):
        return True
    return bool(fact.regex and _regex(fact.regex).search(norm))
