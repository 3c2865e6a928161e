"""Query terms: lower-cased words without stop words (BM25 queries, the coverage guard)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
STOP_WORDS = frozenset(
    "a an and are as at be by did do does for from had has have he her his how in is it its of on or "
    "she that the their them they this to was were what when where which who whom why will with would".split()
)


def tokenize(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
