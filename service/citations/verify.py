"""Check every citation against the text it cites.

For each drafted sentence, the sources it cites are searched for the sentence (or pair of
adjacent sentences) that best matches it, and the support checker (service/citations/support.py)
decides whether those quotes together actually state it: names, numbers, dates, negation and
who-did-what must agree, not just the words. A number that names no retrieved source is removed
and counted; when the cited sources don't state the sentence, a retrieved source that does is
cited instead, and a source that states it clearly better is added (both counted as corrected);
a sentence left with no support is flagged ``unsupported``, with the reason. A sentence that lists
items of a cited quote's list and stops before its end is completed with the rest of that list,
word for word from the quote (small models drop the last item).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from service.citations.relations import list_rest
from service.citations.support import SupportChecker, content_stems
from service.text.sentences import sentence_spans

SUPPORT_THRESHOLD = 0.5  # share of a claim's content words a quote must hold to be worth checking
BETTER_MARGIN = 0.2
_ABBREVIATION_END = re.compile(r"\b(?:[A-Za-z]\.){2,}$")  # "p.m.", "U.S.": the period belongs to the word
_MARKER = re.compile(r"\s*\[(\d{1,3})\]")
_DEFAULT_CHECKER = SupportChecker()
# (sentence, quotes) -> why the quotes don't answer what was asked, or None when they do.
Fits = Callable[[str, list[str]], str | None]


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
    reason: str = ""  # why it is unsupported


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
            if markers and body[-1:] in ".!?" and not _ABBREVIATION_END.search(body):
                out.append(f"{body[:-1]} {markers}{body[-1]}")
            else:
                out.append(f"{body} {markers}".rstrip())
        return " ".join(out)


def best_support(claim: str, text: str) -> tuple[float, tuple[int, int]]:
    """Share of the claim's content words found in the best sentence (or adjacent pair) of ``text``."""
    claim_stems = set(content_stems(claim))
    spans = sentence_spans(text)
    if not claim_stems or not spans:
        return 0.0, (0, 0)
    stems = [set(content_stems(text[a:b])) for a, b in spans]
    candidates = [(span, found, 0.0) for span, found in zip(spans, stems, strict=True)]
    candidates += [((a[0], b[1]), fa | fb, 0.1) for a, b, fa, fb in zip(spans, spans[1:], stems, stems[1:], strict=False)]
    best = (0.0, spans[0])
    for span, found, penalty in candidates:
        score = len(claim_stems & found) / len(claim_stems) - penalty
        if score > best[0]:
            best = (score, span)
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

    def cite_again(self, citation: Citation) -> int:
        """Number ``citation`` (from another index) in this one."""
        key = (citation.article_id, citation.start, citation.end)
        if key not in self._numbers:
            self._numbers[key] = len(self.citations) + 1
            self.citations.append(replace(citation, n=self._numbers[key]))
        return self._numbers[key]


def verify(
    drafts: list[Draft],
    sources: list[Source],
    threshold: float = SUPPORT_THRESHOLD,
    index: CitationIndex | None = None,
    checker: SupportChecker = _DEFAULT_CHECKER,
    fits: Fits | None = None,
) -> Verified:
    """Each draft sentence with the citations that state it (and, given ``fits``, answer what was
    asked); a sentence none states is kept, marked unsupported with the reason."""
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
        located = {s.n: best_support(text, s.text) for s in sources}
        cited = [n for n in valid if located[n][0] >= threshold / 2]
        titles = " ".join(dict.fromkeys(by_n[n].title for n in cited))  # names may come from a title, claims may not
        quotes = [_quote(by_n[n], located[n][1]) for n in cited]
        if rest := next(filter(None, (list_rest(q, text) for q in quotes)), None):
            sentence.text = text = _completed(text, rest)
        verdict = checker.check(text, quotes, titles) if cited else None
        best_cited = max((located[n][0] for n in cited), default=0.0)
        why = fits(text, quotes) if fits and verdict and verdict.supported else None
        if verdict and verdict.supported and not why:
            sentence.citations = [index.cite(by_n[n], located[n][1]) for n in cited]
        elif verdict:
            sentence.reason = why or verdict.reason
        # Another retrieved source that states it (when the cited ones don't, or don't answer the
        # question), or states it clearly better: small models often pick the wrong number.
        others = sorted((s for s in sources if s.n not in valid), key=lambda s: -located[s.n][0])
        for other in others[:3]:
            score, span = located[other.n]
            if score < threshold or (sentence.citations and score < best_cited + BETTER_MARGIN):
                break
            quote = _quote(other, span)
            other_verdict = checker.check(text, [quote], other.title)
            other_why = fits(text, [quote]) if fits and other_verdict.supported else None
            if other_verdict.supported and not other_why:
                sentence.citations.append(index.cite(other, span))
                result.corrected_markers += 1
                break
            sentence.reason = sentence.reason or other_why or other_verdict.reason
        sentence.citations = list(dict.fromkeys(sentence.citations))
        sentence.unsupported = not sentence.citations
        if not sentence.unsupported:
            sentence.reason = ""
        elif not sentence.reason:
            sentence.reason = "no retrieved source states it"
        result.sentences.append(sentence)
    return result


def _completed(text: str, rest: str) -> str:
    """``text`` with ``rest`` of its list appended, keeping its closing full stop."""
    body = text.rstrip()
    stop = body[-1:] if body[-1:] in ".!?" else ""
    return body[: len(body) - len(stop)] + rest + stop


def _quote(source: Source, span: tuple[int, int]) -> str:
    return source.text[span[0] : span[1]]
