"""Cited summaries of whole articles (select, then write), and cross-source summaries of several.

One article: its story sentences are numbered; the key ones are chosen (select: by meaning,
summary@v3, or by the model, summary@v2), then the model writes a short summary from only
those, each sentence citing the numbers it rests on (write).
Every written sentence is checked (whole, speaker kept, numbers and support); one that fails is
replaced by the sentence it cites, quoted whole. If nothing survives, the article's lead
sentences are quoted and the summary is marked ``extracted``. Several articles: each is
summarised, then the sentences are merged by meaning, and who reports what is decided by the
support check against every other article (see ``summary_combine``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from service.chains.summary_combine import DUPLICATE, CrossCheck, Meaning, Other, facts_of, names_of
from service.chains.summary_model import StepModel
from service.chains.summary_select import Selector, by_meaning
from service.chains.summary_sentences import ArticleSentence, article_sentences, as_source
from service.chains.summary_write import Writer, Written, attributes, quotable
from service.citations.verify import Citation, CitationIndex
from service.errors import InvalidInput, NotFound
from service.prompts import PromptSpec
from service.settings import Settings
from service.store.chroma import ArticleStore, StoredArticle

DEFAULT_SENTENCES = 5
MAX_SENTENCES = 12
WORDS_PER_SENTENCE = 24  # length budget: max_sentences x this many words (120 by default)
LEAD_FALLBACK = 3
UNIQUE_BELOW = 0.6  # a fact listed as unique has no sentence this close (cosine) in another article
UNIQUE_MIN = 3  # facts listed under "only in <outlet>" when that outlet has unique facts
Scope = Literal["article", "all", "some", "only"]
HEADINGS = {"all": "Reported by all sources", "some": "Reported by some sources"}
EXTRACTED_NOTE = "Nothing written passed the support check: these are the article's lead sentences, quoted."
QUOTED_NOTE = "No written sentence passed the support check: these are the article's key sentences, quoted."


@dataclass
class Bullet:
    text: str
    citations: list[int]
    outlets: list[str]
    scope: Scope
    extracted: bool = False  # quoted from the article rather than written


@dataclass
class Disagreement:
    """Two reports of the same fact with different numbers, names or dates: one citation each."""

    outlets: list[str]
    citations: list[int]


@dataclass
class Summary:
    article_ids: list[str]
    bullets: list[Bullet]
    citations: list[Citation]
    prompt_version: str
    model: str
    extracted: bool = False
    note: str | None = None
    disagreements: list[Disagreement] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Markdown: bullets with [n] markers, grouped by who reports them when cross-source."""
        lines: list[str] = [f"_{self.note}_"] if self.note else []
        last_heading = None
        for b in self.bullets:
            heading = HEADINGS.get(b.scope) or (f"Only in {b.outlets[0]}" if b.scope == "only" else None)
            if heading and heading != last_heading:
                lines.append(f"\n**{heading}**")
                last_heading = heading
            lines.append(f"- {_with_markers(b.text, b.citations)}")
        if self.disagreements:
            lines.append("\n**The sources differ**")
            quotes = {c.n: c.quote for c in self.citations}
            for d in self.disagreements:
                sides = (f"{o}: “{quotes[n]}” [{n}]" for o, n in zip(d.outlets, d.citations, strict=True))
                lines.append("- " + " — ".join(sides))
        return "\n".join(lines).strip()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.text}


def _with_markers(text: str, citations: list[int]) -> str:
    body = text.rstrip()
    markers = "".join(f"[{n}]" for n in citations)
    return f"{body[:-1]} {markers}{body[-1]}" if body[-1:] in ".!?" else f"{body} {markers}"


@dataclass
class _Digest:
    """One article on its way into a summary."""

    article: StoredArticle
    outlet: str
    sentences: list[ArticleSentence]
    picks: list[int]
    written: list[Written]

    def other(self) -> Other:
        a = self.article
        return Other(a.id, a.title, self.outlet, self.sentences, names_of(f"{a.title}. {a.text}"))


class Summarizer:
    def __init__(
        self, store: ArticleStore, llm: BaseChatModel, embeddings: Embeddings, settings: Settings, prompt: PromptSpec
    ) -> None:
        if not isinstance(prompt.extra.get("write"), str) and prompt.extra.get("select") != "meaning":
            raise InvalidInput(f"prompt {prompt.ref} has neither a 'write' turn nor 'select: meaning'; use summary@v2 or later")
        self.store = store
        self.llm = llm
        self.embeddings = embeddings
        self.settings = settings
        self.prompt = prompt

    def summarize(
        self,
        article_ids: list[str] | None = None,
        max_sentences: int | None = None,
        stop: threading.Event | None = None,
    ) -> Summary:
        """``max_sentences`` per article (default 5, at most 24 words each on average); ``stop`` ends the work at the next token."""
        started = time.perf_counter()
        count = max_sentences or DEFAULT_SENTENCES
        if not 1 <= count <= MAX_SENTENCES:
            raise InvalidInput(f"max_sentences must be between 1 and {MAX_SENTENCES}")
        articles = self._articles(article_ids)
        model = StepModel(self.llm, self.settings, stop)
        selector = Selector(model, self.prompt.template)
        writer = Writer(model, selector, self.prompt.extra.get("write"))
        meaning = Meaning(self.embeddings)
        digests = [self._digest(a, count, selector, writer, meaning) for a in articles]
        index = CitationIndex()
        summary = Summary(
            article_ids=[a.id for a in articles],
            bullets=[],
            citations=index.citations,
            prompt_version=self.prompt.ref,
            model=self.settings.chat_model_name,
        )
        if len(digests) == 1:
            self._single(summary, digests[0], index, count)
        else:
            _CrossSource(digests, index, CrossCheck(meaning), meaning).into(summary)
        summary.usage = model.usage
        summary.timings = {"total_s": time.perf_counter() - started}
        return summary

    def _articles(self, article_ids: list[str] | None) -> list[StoredArticle]:
        if article_ids:
            articles = []
            for article_id in dict.fromkeys(article_ids):
                article = self.store.get_article(article_id)
                if article is None:
                    raise NotFound(f"no article with id {article_id!r}")
                articles.append(article)
        else:
            articles = [a for a in (self.store.get_article(x.id) for x in self.store.list_articles()) if a]
        if not articles:
            raise InvalidInput("there are no articles to summarise; ingest some first")
        return articles

    def _digest(self, article: StoredArticle, count: int, selector: Selector, writer: Writer, meaning: Meaning) -> _Digest:
        outlet = article.outlet or article.title
        sentences = article_sentences(article.text, article.title)
        if not sentences:
            return _Digest(article, outlet, [], [], [])
        if self.prompt.extra.get("select") == "meaning":
            selection = by_meaning(sentences, meaning)
        else:
            selection = selector.select(article.title, outlet, sentences, count)
        by_n = {s.n: s for s in sentences}
        ranked = [by_n[n] for n in selection.picks if quotable(by_n[n])]
        chosen = [ranked[i] for i in meaning.distinct([s.text for s in ranked])][:count]
        in_order = sorted(chosen, key=lambda s: s.n)
        written = writer.write(article.id, article.title, outlet, in_order, count, selection.turn)
        if written:
            # Fill the length budget with the picked sentences the summary does not cover yet.
            covered = {s.n for w in written for s in w.cited}
            written += [Written(s.text, [s], extracted=True, passed=False) for s in chosen if s.n not in covered]
            written = [written[i] for i in meaning.distinct([w.text for w in written])]
            rank = {s.n: i for i, s in enumerate(chosen)}
            written.sort(key=lambda w: min(rank.get(s.n, len(rank)) for s in w.cited))
            written = sorted(_within(written, count, WORDS_PER_SENTENCE * count), key=lambda w: min(s.n for s in w.cited))
        return _Digest(article, outlet, sentences, selection.picks, written)

    def _single(self, summary: Summary, d: _Digest, index: CitationIndex, count: int) -> None:
        written = d.written
        if not written:
            if not d.sentences:
                summary.note = "The article has no whole sentences to summarise (only headings, credits or list items)."
                return
            lead = [s for s in d.sentences if quotable(s)][: min(LEAD_FALLBACK, count)]
            written = [Written(s.text, [s], extracted=True) for s in lead]
            summary.extracted, summary.note = True, EXTRACTED_NOTE
        elif not any(w.passed for w in written):
            summary.extracted, summary.note = True, QUOTED_NOTE
        for w in written:
            citations = [_cite(index, d, s) for s in w.cited]
            summary.bullets.append(Bullet(w.text, citations, [d.outlet], "article", w.extracted))


def _within(written: list[Written], count: int, words: int) -> list[Written]:
    """The most important sentences (``written`` is ranked) that fit in ``count`` sentences and
    ``words`` words: one that would overflow is skipped for a shorter one after it; the first is
    always kept."""
    kept: list[Written] = []
    for w in written:
        length = len(w.text.split())
        if len(kept) == count:
            break
        if kept and length > words:
            continue
        kept.append(w)
        words -= length
    return kept


def _cite(index: CitationIndex, d: _Digest, s: ArticleSentence) -> int:
    return index.cite(as_source(s, d.article.id, d.article.title, d.outlet), (0, len(s.text)))


class _CrossSource:
    """Merges the articles' summary sentences and labels each with the outlets that state it."""

    def __init__(self, digests: list[_Digest], index: CitationIndex, check: CrossCheck, meaning: Meaning) -> None:
        self.digests = digests
        self.index = index
        self.check = check
        self.meaning = meaning
        self.bullets: list[Bullet] = []
        self._keys: list[set[tuple[str, int]]] = []  # (article id, sentence start) each bullet rests on
        self.disagreements: list[Disagreement] = []
        self._disagreeing: list[set[tuple[str, int]]] = []

    def into(self, summary: Summary) -> None:
        for d in self.digests:
            for w in d.written:
                self._add(d, w.text, w.cited, w.extracted)
        for d in self.digests:
            self._unique_facts(d)
        total = len(self.digests)
        for b in self.bullets:
            b.scope = "all" if len(b.outlets) == total else "only" if len(b.outlets) == 1 else "some"
        order = {"all": 0, "some": 1, "only": 2}
        outlets = [d.outlet for d in self.digests]
        summary.bullets = sorted(
            self.bullets, key=lambda b: (order[b.scope], outlets.index(b.outlets[0]) if b.scope == "only" else 0)
        )
        summary.disagreements = self.disagreements
        if not summary.bullets:
            summary.note = "None of the articles has whole sentences to summarise."

    def _add(self, d: _Digest, text: str, cited: list[ArticleSentence], extracted: bool, only: bool = False) -> bool:
        """Adds the fact, merged into an earlier bullet that says the same; a fact another article
        gives with other numbers or dates goes to the disagreements instead. With ``only``, adds
        it only if no other article states it (or contradicts it), and says whether it did."""
        keys = {(d.article.id, s.start) for s in cited}
        sims = self.meaning.similarity(text, [b.text for b in self.bullets])
        for i, (b, sim) in enumerate(zip(self.bullets, sims, strict=True)):
            same = sim >= DUPLICATE and (facts_of(text) <= facts_of(b.text) or facts_of(b.text) <= facts_of(text))
            if same or keys & self._keys[i]:
                if only:
                    return False
                b.citations += [n for n in (_cite(self.index, d, s) for s in cited) if n not in b.citations]
                b.outlets += [d.outlet] if d.outlet not in b.outlets else []
                self._keys[i] |= keys
                return True
        others = [o for o in self.digests if o is not d]
        if only and any(self._closest(text, o) >= UNIQUE_BELOW for o in others):
            return False  # "only in" is claimed only when no other article says anything close
        matches = [(o, self.check.match(text, o.other())) for o in others]
        supporting = [(o, m) for o, m in matches if m and m.supports]
        conflicting = [(o, m) for o, m in matches if m and m.conflicts]
        if only and (supporting or conflicting):
            return False
        if conflicting and not supporting:
            for other, match in conflicting:
                self._disagree(d, cited[0], other, match.sentence)
            return True
        bullet = Bullet(text, [_cite(self.index, d, s) for s in cited], [d.outlet], "article", extracted)
        for other, match in supporting:
            bullet.citations.append(_cite(self.index, other, match.sentence))
            bullet.outlets.append(other.outlet)
            keys.add((other.article.id, match.sentence.start))
        self.bullets.append(bullet)
        self._keys.append(keys)
        return True

    def _closest(self, text: str, other: _Digest) -> float:
        sims = self.meaning.similarity(text, [s.text for s in other.sentences])
        return float(sims.max()) if len(sims) else 0.0

    def _disagree(self, d: _Digest, mine: ArticleSentence, other: _Digest, theirs: ArticleSentence) -> None:
        """Both quotes side by side, once per pair of sentences."""
        pair = {(d.article.id, mine.start), (other.article.id, theirs.start)}
        if pair in self._disagreeing:
            return
        self._disagreeing.append(pair)
        cited = [_cite(self.index, d, mine), _cite(self.index, other, theirs)]
        self.disagreements.append(Disagreement([d.outlet, other.outlet], cited))

    def _unique_facts(self, d: _Digest) -> None:
        """Lists facts only ``d`` reports, when its summary had fewer than ``UNIQUE_MIN`` of them:
        who said what first (a statement with its speaker), then the model's picks, then in
        article order."""
        have = sum(1 for b in self.bullets if b.outlets == [d.outlet])
        cited = {c.start for c in self.index.citations if c.article_id == d.article.id}
        picked = {n: i for i, n in enumerate(d.picks)}
        candidates = sorted(
            (s for s in d.sentences if s.start not in cited and quotable(s)),
            key=lambda s: (not attributes(s.text), picked.get(s.n, len(picked)), s.n),
        )
        for s in candidates:
            if have >= UNIQUE_MIN:
                return
            if self._add(d, s.text, [s], extracted=True, only=True):
                have += 1
