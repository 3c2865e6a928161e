"""Check every citation against the text it cites.

For each drafted sentence and each source number it cites, find the sentence (or pair of
adjacent sentences) in that source that best supports it and return it as a verbatim quote
with offsets in the article. A number that names no retrieved source is removed and counted;
a citation whose source does not support the sentence is moved to a retrieved source that
does, and a source that says it clearly better is added (both counted as corrected); a
sentence left with no support is flagged ``unsupported``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.retrieval.coverage import terms as _terms

SUPPORT_THRESHOLD = 0.5
BETTER_MARGIN = 0.2
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+[\"”’]?|$)")
_MARKER = re.compile(r"\s*\[(\d{1,3})\]")


@dataclass(frozen=True)
class Source:
    """A retrieved chunk, numbered as the model saw it."""

    n: int
    chunk_id: str
    article_id: str
    title: str
    outlet: str | None
    text: str
    start: int  # offset of the chunk in its article's text


@dataclass(frozen=True)
class Draft:
    """A sentence as the model wrote it, with the source numbers it claims."""

    text: str
    sources: list[int]


@dataclass(frozen=True)
class Citation:
    n: int
    source: int
    article_id: str
    title: str
    outlet: str | None
    chunk_id: str
    quote: str
    start: int
    end: int


@dataclass
class Sentence:
    text: str
    citations: list[int] = field(default_factory=list)
    unsupported: bool = False


@dataclass
class Verified:
    sentences: list[Sentence]
    citations: list[Citation]
    removed_markers: int = 0
    corrected_markers: int = 0

    @property
    def unsupported(self) -> int:
        return sum(s.unsupported for s in self.sentences)

    @property
    def text(self) -> str:
        out = []
        for s in self.sentences:
            body = s.text.rstrip()
            markers = "".join(f"[{n}]" for n in s.citations)
            if markers and body[-1:] in ".!?":
                out.append(f"{body[:-1]} {markers}{body[-1]}")
            else:
                out.append(f"{body} {markers}".rstrip())
        return " ".join(out)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def best_support(claim: str, text: str) -> tuple[float, tuple[int, int]]:
    """Share of the claim's content words found in the best sentence (or adjacent pair) of ``text``."""
    claim_terms = _terms(claim)
    spans = sentence_spans(text)
    if not claim_terms or not spans:
        return 0.0, (0, 0)
    candidates = [(s, 0.0) for s in spans] + [((a[0], b[1]), 0.1) for a, b in zip(spans, spans[1:], strict=False)]
    best = (0.0, spans[0])
    for (start, end), penalty in candidates:
        score = len(claim_terms & _terms(text[start:end])) / len(claim_terms) - penalty
        if score > best[0]:
            best = (score, (start, end))
    return best


def parse_prose(answer: str) -> list[Draft]:
    """Drafts from plain prose with inline ``[n]`` markers (fallback when JSON is not returned)."""
    drafts = []
    for start, end in sentence_spans(answer):
        sentence = answer[start:end]
        numbers = [int(n) for n in _MARKER.findall(sentence)]
        text = _MARKER.sub("", sentence).strip()
        if text:
            drafts.append(Draft(text=text, sources=numbers))
    return drafts


class CitationIndex:
    """Numbers distinct quotes in order of first use, so one quote cited twice gets one number."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, source: Source, span: tuple[int, int]) -> int:
        start, end = source.start + span[0], source.start + span[1]
        key = (source.article_id, start, end)
        if key not in self._numbers:
            self._numbers[key] = len(self.citations) + 1
            self.citations.append(
                Citation(
                    n=self._numbers[key],
                    source=source.n,
                    article_id=source.article_id,
                    title=source.title,
                    outlet=source.outlet,
                    chunk_id=source.chunk_id,
                    quote=source.text[span[0] : span[1]],
                    start=start,
                    end=end,
                )
            )
        return self._numbers[key]


def verify(
    drafts: list[Draft],
    sources: list[Source],
    threshold: float = SUPPORT_THRESHOLD,
    index: CitationIndex | None = None,
) -> Verified:
    by_n = {s.n: s for s in sources}
    index = index or CitationIndex()
    result = Verified(sentences=[], citations=index.citations)
    for draft in drafts:
        text = _MARKER.sub("", draft.text).strip()
        if not text:
            continue
        sentence = Sentence(text=text)
        claimed = list(dict.fromkeys(draft.sources))
        valid = [n for n in claimed if n in by_n]
        result.removed_markers += len(claimed) - len(valid)
        best_cited = 0.0
        for n in valid:
            score, span = best_support(text, by_n[n].text)
            if score >= threshold:
                sentence.citations.append(index.cite(by_n[n], span))
                best_cited = max(best_cited, score)
        # Another retrieved source that says it clearly better (or at all, when the cited ones
        # don't) is cited too: small models often pick the wrong number.
        others = [(best_support(text, s.text), s) for s in sources if s.n not in valid]
        if others:
            (score, span), source = max(others, key=lambda x: x[0][0])
            if score >= threshold and (not sentence.citations or score >= best_cited + BETTER_MARGIN):
                sentence.citations.append(index.cite(source, span))
                result.corrected_markers += 1
        sentence.citations = list(dict.fromkeys(sentence.citations))
        sentence.unsupported = not sentence.citations
        result.sentences.append(sentence)
    return result
