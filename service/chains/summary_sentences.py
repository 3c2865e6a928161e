"""An article as numbered whole sentences a summary may be built from.

Lines are split into sentences by the shared splitter (which keeps "U.S.", "a.m." and "5.5"
whole); bylines, photo credits, list items, headings and page furniture are left out, so
they can never become summary sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.citations.verify import Source
from service.text.quotes import curly_quotes
from service.text.sentences import sentence_spans

MIN_WORDS = 5
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·–—▪►]|\d{1,2}[.)])\s")
_ENDS_WHOLE = re.compile(r"[.!?…][\"'”’)\]]*$")
_FURNITURE = re.compile(
    r"^(?:by|written by|reporting by|additional reporting|photo|picture|image|video|credit|source|"
    r"follow|subscribe|sign up|read more|click|watch|listen|copyright|©|all rights)\b",
    re.IGNORECASE,
)
_CONTINUES = re.compile(r"[,;:)\]]")  # a sentence never starts like this
_ABBREVIATION = re.compile(r"(?:\b[A-Za-z]{1,3}\.|\.[A-Za-z]+\.)$")  # "Sen.", "U.S.", "W.Va."
_CREDIT = re.compile(r"\b(?:getty images|photograph:|photo:|picture:|image:|pictured)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ArticleSentence:
    """Sentence ``n`` (1-based, as the model sees it) with its offsets in the article's text."""

    n: int
    start: int
    end: int
    text: str


def is_story_sentence(text: str, title: str = "") -> bool:
    """Whether ``text`` is a sentence of the story, not a byline, credit, list item or heading."""
    stripped = text.strip()
    if len(stripped.split()) < MIN_WORDS or not _ENDS_WHOLE.search(stripped):
        return False
    if _LIST_ITEM.match(stripped) or _FURNITURE.match(stripped) or _CREDIT.search(stripped):
        return False
    return stripped.rstrip(".") != title.strip().rstrip(".")


def article_sentences(text: str, title: str = "") -> list[ArticleSentence]:
    """The story's sentences, numbered from 1, line by line so a heading never joins a sentence."""
    out: list[ArticleSentence] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            for start, end in _joined(line, sentence_spans(line)):
                sentence = line[start:end]
                if is_story_sentence(sentence, title):
                    out.append(ArticleSentence(len(out) + 1, offset + start, offset + end, sentence))
        offset += len(line)
    return out


def _joined(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans with a piece that can't start a sentence (", multiple sources said.", split off after
    an abbreviation such as "D-W.Va.") joined back onto the sentence before it."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        piece = line[start:end]
        after_abbreviation = bool(out) and _ABBREVIATION.search(line[out[-1][0] : out[-1][1]])
        if out and (_CONTINUES.match(piece) or (piece[:1].islower() and after_abbreviation)):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def as_source(sentence: ArticleSentence, article_id: str, title: str, outlet: str | None) -> Source:
    """The sentence as a citable source: a quote of it is the whole sentence, with article offsets."""
    return Source(sentence.n, f"{article_id}:s{sentence.n}", article_id, title, outlet, sentence.text, sentence.start)


def numbered(sentences: list[ArticleSentence]) -> str:
    """``[n] text`` lines; straight double quotes become curly ones, so JSON strings copied from
    them can't be cut at a quotation mark."""
    return "\n".join(f"[{s.n}] {curly_quotes(s.text)}" for s in sentences)
