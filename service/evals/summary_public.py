"""Summary eval on public news data (evals/public_summary/): Newsdesk beside a LangChain "stuff" summary.

Each item is one public article with reference facts (sentences of its reference summary).
A fact counts as covered when the summary holds at least 80 % of its key terms (names,
numbers, else content words), half when at least 40 %. Sentences are also checked for support
against the article (the citation support check), for being whole, and summaries for length
and latency. Both systems run on the same model in the same store.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from service.chains.summary_write import is_whole
from service.citations.verify import Draft, Source, verify
from service.desk import Newsdesk
from service.text.sentences import sentences as split_sentences

STUFF_PROMPT = ChatPromptTemplate.from_messages(
    [("human", "Write a concise summary of the following:\n\n\n{text}\n\n\nCONCISE SUMMARY:")]
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPITAL = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")
_WORD = re.compile(r"\b[a-z]{4,}\b")


def key_terms(fact: str) -> set[str]:
    """Numbers and names of a reference fact (content words when it has neither), lower-cased."""
    rest = fact.partition(" ")[2]
    terms = {n.lower() for n in _NUMBER.findall(fact) + _CAPITAL.findall(rest)}
    return terms or set(_WORD.findall(fact.lower()))


def fact_credit(fact: str, summary: str) -> float:
    terms = key_terms(fact)
    found = sum(t in summary.lower() for t in terms) / len(terms) if terms else 0.0
    return 1.0 if found >= 0.8 else 0.5 if found >= 0.4 else 0.0


@dataclass
class ItemScore:
    id: str
    system: str
    text: str
    sentences: list[str]
    facts: float  # credit over reference facts, 0..1
    unsupported: int
    cut: int
    words: int
    seconds: float
    extracted: bool = False
    error: str | None = None


@dataclass
class Report:
    items: list[ItemScore] = field(default_factory=list)

    def table(self) -> dict[str, dict[str, Any]]:
        out = {}
        for system in dict.fromkeys(i.system for i in self.items):
            rows = [i for i in self.items if i.system == system]
            seconds = sorted(i.seconds for i in rows)
            out[system] = {
                "items": len(rows),
                "facts_covered_pct": round(100 * statistics.mean(i.facts for i in rows), 1),
                "unsupported_sentences": sum(i.unsupported for i in rows),
                "cut_sentences": sum(i.cut for i in rows),
                "empty": sum(not i.sentences for i in rows),
                "extracted_fallbacks": sum(i.extracted for i in rows),
                "words_mean": round(statistics.mean(i.words for i in rows), 1),
                "words_max": max(i.words for i in rows),
                "seconds_mean": round(statistics.mean(seconds), 1),
                "seconds_p95": round(seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))], 1),
            }
        return out


def _article_sources(article_id: str, title: str, text: str) -> list[Source]:
    return [Source(1, f"{article_id}:all", article_id, title, None, text, 0)]


def _score(item: dict[str, Any], system: str, sentences: list[str], text: str, article_text: str, seconds: float) -> ItemScore:
    sources = _article_sources(item["id"], item["title"], article_text)
    unsupported = sum(verify([Draft(s, [1])], sources).sentences[0].unsupported for s in sentences)
    facts = statistics.mean(fact_credit(f, text) for f in item["reference_facts"])
    return ItemScore(
        item["id"], system, text, sentences, facts, unsupported, sum(not is_whole(s) for s in sentences), len(text.split()), seconds
    )


def run(
    dataset_dir: Path,
    desk: Newsdesk,
    systems: tuple[str, ...] = ("newsdesk", "stuff"),
    on_item: Callable[[ItemScore], None] | None = None,
) -> Report:
    """Ingest the dataset's articles into ``desk``'s store, summarise each with every system, score;
    ``on_item`` sees each score as it comes."""
    data = json.loads((dataset_dir / "dataset.json").read_text())
    desk.ingestor.ingest_paths([dataset_dir / "articles"])
    by_title = {a.title: a for a in desk.store.list_articles()}
    stuff = STUFF_PROMPT | desk.llm.bind(max_tokens=256) | StrOutputParser()
    desk.llm.bind(max_tokens=1).invoke("Hello")  # loads the model, so the first item's time is its own
    report = Report()
    for item in data["items"]:
        article = desk.store.get_article(by_title[item["title"]].id)
        assert article is not None
        if "newsdesk" in systems:
            started = time.perf_counter()
            summary = desk.summarizer().summarize([article.id])
            seconds = time.perf_counter() - started
            texts = [b.text for b in summary.bullets]
            score = _score(item, "newsdesk", texts, " ".join(texts), article.text, seconds)
            score.extracted = summary.extracted
            report.items.append(score)
            if on_item:
                on_item(score)
        if "stuff" in systems:
            started = time.perf_counter()
            text = stuff.invoke({"text": article.text}).strip()
            seconds = time.perf_counter() - started
            report.items.append(_score(item, "stuff", split_sentences(text), text, article.text, seconds))
            if on_item:
                on_item(report.items[-1])
    return report


def append(item: ItemScore, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "items.jsonl").open("a") as f:
        f.write(json.dumps(asdict(item)) + "\n")


def write(report: Report, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(report.table(), indent=1))
