"""Combining summary sentences by meaning: near-duplicates merged, and across articles who reports what.

Meaning comes from the shipped sentence embeddings (MiniLM); whether another article states a
fact is decided by the citation support check on that article's nearest sentences, plus the
names and numbers the fact carries. A close match whose numbers or dates differ is a
disagreement, shown with both quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from service.chains.summary_sentences import ArticleSentence, as_source
from service.chains.summary_write import numbers_of
from service.citations.verify import Draft, verify

DUPLICATE = 0.85  # cosine at which two sentences say the same thing
NEAREST = 3  # another article's sentences tried by the support check
SAME_MEANING = 0.6  # cosine at which a sentence with the same names, numbers and dates states the fact
CLOSE_MEANING = 0.8  # cosine at which one missing name is tolerated
SAME_EVENT = 0.45  # the same, when the fact has names, numbers or dates to check
CONFLICT = 0.7  # cosine above which differing numbers or dates are a disagreement, not a new fact
_MONTHS_DAYS = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")
_QUOTE_MARKS = '"“”'
# Capitalised words that are titles or parts of country names ("United States" is also "US").
_NOT_NAMES = {
    "The", "This", "That", "Mr", "Mrs", "Ms", "Dr", "President", "Minister", "Secretary", "Chinese", "American",
    "United", "States", "State", "Kingdom", "Nations", "Department", "Government",
}  # fmt: skip


def names_of(text: str) -> set[str]:
    """Capitalised words after the first (which is capitalised anyway): names, places, organisations."""
    rest = text.strip().partition(" ")[2]
    return {n for n in _NAME.findall(rest) if n not in _NOT_NAMES and not _MONTHS_DAYS.fullmatch(n)}


def facts_of(text: str) -> set[str]:
    """Numbers and dates: what two reports of one event may disagree on."""
    return numbers_of(text) | set(_MONTHS_DAYS.findall(text))


class Meaning:
    """Sentence embeddings, each text embedded once."""

    def __init__(self, embeddings: Embeddings) -> None:
        self.embeddings = embeddings
        self._cache: dict[str, np.ndarray] = {}

    def vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                v = np.asarray(vector, dtype=np.float32)
                self._cache[text] = v / (np.linalg.norm(v) or 1.0)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)

    def similarity(self, a: str, b: list[str]) -> np.ndarray:
        if not b:
            return np.zeros(0, dtype=np.float32)
        return self.vectors(b) @ self.vectors([a])[0]

    def central(self, texts: list[str]) -> list[int]:
        """Indexes of ``texts``, most central first: nearest (cosine) to the mean of them all, i.e.
        the sentences that say most of what the whole text is about (centroid-based selection)."""
        if not texts:
            return []
        vectors = self.vectors(texts)
        return [int(i) for i in np.argsort(-(vectors @ vectors.mean(axis=0)), kind="stable")]

    def distinct(self, texts: list[str], threshold: float = DUPLICATE) -> list[int]:
        """Indexes of ``texts`` that repeat no earlier kept text by meaning (the first of each is kept)."""
        kept: list[int] = []
        for i, text in enumerate(texts):
            if not kept or float(self.similarity(text, [texts[k] for k in kept]).max()) < threshold:
                kept.append(i)
        return kept


@dataclass(frozen=True)
class Other:
    """Another article, as the cross-check reads it; ``names`` are all the names it mentions."""

    article_id: str
    title: str
    outlet: str
    sentences: list[ArticleSentence]
    names: set[str]


@dataclass(frozen=True)
class Match:
    """The sentence of another article nearest to a fact, and whether it states the fact."""

    sentence: ArticleSentence
    similarity: float
    supports: bool

    @property
    def conflicts(self) -> bool:
        return not self.supports and self.similarity >= CONFLICT


class CrossCheck:
    """Does another article state this fact? Answered per article, by the support check."""

    def __init__(self, meaning: Meaning) -> None:
        self.meaning = meaning

    def match(self, text: str, other: Other) -> Match | None:
        """``other``'s sentence that states ``text`` (supports), or one that gives other numbers or dates.

        States it: the support check passes on ``other``'s nearest sentences together, or the
        nearest ones mean much the same and carry every name, number and date of ``text``.
        """
        sentences = other.sentences
        if not sentences:
            return None
        sims = self.meaning.similarity(text, [s.text for s in sentences])
        order = [int(i) for i in np.argsort(-sims)[:NEAREST]]
        nearest = [sentences[i] for i in order]
        sources = [as_source(s, other.article_id, other.title, other.outlet) for s in nearest]
        verdict = verify([Draft(text, [s.n for s in sources])], sources)
        if not verdict.sentences[0].unsupported:
            first = verdict.citations[0].start
            return Match(next(s for s in nearest if s.start <= first < s.end), float(sims[order[0]]), True)
        best, similarity = nearest[0], float(sims[order[0]])
        if any(c in text for c in _QUOTE_MARKS):
            # Someone's words: only the support check may find them in another article, never
            # closeness of meaning ("X said the vote was fair" is not X's quote).
            differ = facts_of(text) and facts_of(best.text) and not facts_of(text) <= facts_of(best.text)
            return Match(best, similarity, False) if differ else None
        near = " ".join(s.text for s in nearest[:2])
        marks = names_of(text) | facts_of(text)
        missing = names_of(text) - names_of(near)
        # A near-identical sentence may lack one incidental name ("in English"); others need all.
        named = not missing or (len(missing) == 1 and similarity >= CLOSE_MEANING)
        consistent = named and facts_of(text) <= facts_of(near)
        if consistent and (similarity >= SAME_MEANING or (marks and similarity >= SAME_EVENT)):
            return Match(best, similarity, True)
        differ = facts_of(text) and facts_of(best.text) and not facts_of(text) <= facts_of(best.text)
        return Match(best, similarity, False) if differ else None
