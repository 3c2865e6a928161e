"""Cited summaries of whole articles, and cross-source summaries of several.

One article: its chunks, in order, go to the model in groups that fit the prompt budget (map);
the verified sentences of all groups, in article order, make the summary (reduce). Several
articles: each is summarised, then every bullet is checked against the other articles' text,
so a bullet is cited to every source that states it and labelled as reported by all sources
or by one only. Which outlet says what is decided by verification, not by the model.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable

from service.chains.answer import format_sources, parse_drafts, to_sources, usage_of
from service.citations.verify import SUPPORT_THRESHOLD, Citation, CitationIndex, Source, best_support, verify
from service.errors import InvalidInput, NotFound
from service.models.errors import model_errors
from service.models.factory import response_format
from service.prompts import PromptSpec
from service.settings import Settings
from service.store.chroma import ArticleStore, StoredArticle

MAP_BUDGET_CHARS = 3500
Scope = Literal["article", "all", "some", "only"]


@dataclass
class Bullet:
    text: str
    citations: list[int]
    outlets: list[str]
    scope: Scope


@dataclass
class Summary:
    article_ids: list[str]
    bullets: list[Bullet]
    citations: list[Citation]
    prompt_version: str
    model: str
    usage: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Markdown: bullets with [n] markers, grouped by who reports them when cross-source."""
        headings = {"all": "Reported by all sources", "some": "Reported by some sources"}
        lines: list[str] = []
        last_heading = None
        for b in self.bullets:
            heading = headings.get(b.scope) or (f"Only in {b.outlets[0]}" if b.scope == "only" else None)
            if heading and heading != last_heading:
                lines.append(f"\n**{heading}**")
                last_heading = heading
            lines.append(f"- {b.text.rstrip('.')} {''.join(f'[{n}]' for n in b.citations)}.")
        return "\n".join(lines).strip()

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.text}


def _outlet(a: StoredArticle) -> str:
    return a.outlet or a.title


class Summarizer:
    def __init__(self, store: ArticleStore, llm: BaseChatModel, settings: Settings, prompt: PromptSpec) -> None:
        self.store = store
        self.settings = settings
        self.prompt = prompt
        schema = prompt.output_schema
        self.llm: Runnable = llm.bind(
            max_tokens=settings.max_summary_tokens,
            **({"response_format": response_format(settings, schema)} if schema else {}),
        )

    def _article_sources(self, article: StoredArticle) -> list[Source]:
        docs = self.store.chunk_documents({"article_id": article.id})
        return to_sources(sorted(docs, key=lambda d: d.metadata["chunk_index"]))

    @staticmethod
    def _groups(sources: list[Source]) -> list[list[Source]]:
        groups: list[list[Source]] = [[]]
        for s in sources:
            if groups[-1] and sum(len(x.text) for x in groups[-1]) + len(s.text) > MAP_BUDGET_CHARS:
                groups.append([])
            groups[-1].append(s)
        return groups

    def _summarise_article(self, article: StoredArticle, index: CitationIndex, usage: dict[str, int]) -> list[Bullet]:
        bullets: list[Bullet] = []
        for group in self._groups(self._article_sources(article)):
            prompt = self.prompt.template.invoke(
                {"title": article.title, "outlet": _outlet(article), "sources": format_sources(self.prompt, group)}
            )
            with model_errors(self.settings.chat_model_name):
                message: AIMessage = self.llm.invoke(prompt)
            for key, value in usage_of(message).items():
                usage[key] = usage.get(key, 0) + value
            _, drafts = parse_drafts(str(message.content))
            for sentence in verify(drafts, group, index=index).sentences:
                if sentence.citations and not any(sentence.text == b.text for b in bullets):
                    bullets.append(Bullet(sentence.text, sentence.citations, [_outlet(article)], "article"))
        return bullets

    def _cross_check(self, bullets: list[Bullet], own: StoredArticle, others: list[StoredArticle], index: CitationIndex) -> None:
        """Cite each bullet to every other article that states it; set its scope."""
        for bullet in bullets:
            for other in others:
                score, span = best_support(bullet.text, other.text)
                if score >= SUPPORT_THRESHOLD:
                    whole = Source(0, f"{other.id}:article", other.id, other.title, other.outlet, other.text, 0)
                    bullet.citations.append(index.cite(whole, span))
                    bullet.outlets.append(_outlet(other))
            total = len(others) + 1
            bullet.scope = "all" if len(bullet.outlets) == total else "only" if len(bullet.outlets) == 1 else "some"

    def summarize(self, article_ids: list[str] | None = None) -> Summary:
        started = time.perf_counter()
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
        index = CitationIndex()
        usage: dict[str, int] = {}
        per_article = [(a, self._summarise_article(a, index, usage)) for a in articles]
        bullets: list[Bullet] = []
        if len(articles) > 1:
            seen_quotes: set[int] = set()
            for article, own in per_article:
                self._cross_check(own, article, [a for a in articles if a.id != article.id], index)
                for b in own:
                    # The same fact summarised from two articles: keep the first bullet only.
                    if b.scope != "only" and seen_quotes.issuperset(b.citations):
                        continue
                    seen_quotes.update(b.citations)
                    bullets.append(b)
            order = {"all": 0, "some": 1, "only": 2}
            bullets.sort(key=lambda b: (order[b.scope], b.outlets[0] if b.scope == "only" else ""))
        else:
            bullets = per_article[0][1]
        return Summary(
            article_ids=[a.id for a in articles],
            bullets=bullets,
            citations=index.citations,
            prompt_version=self.prompt.ref,
            model=self.settings.chat_model_name,
            usage=usage,
            timings={"total_s": time.perf_counter() - started},
        )
