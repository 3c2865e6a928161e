"""Summary eval on public news data (evals/public_summary/): Newsdesk beside a LangChain "stuff" summary.

Items are single articles (BBC News Summary) or one story from three outlets (AllSides
roundups), each with reference facts (sentences of a summary written by others), in a dev split
(tuned on) and a held-out split. A fact counts as covered when the summary holds at least 80 %
of its key terms (names, numbers, else content words), half when at least 40 %. Sentences are
also checked for support against the item's articles (the citation support check), for being
whole, and summaries for length and latency. For a multi-outlet summary each bullet's outlet
label ("reported by all", "only in X", ...) is true when exactly the labelled outlets' articles
support the bullet. Both systems run on the same model in the same store.
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

from service.chains.summarize import Summary
from service.chains.summary_write import is_whole
from service.citations.verify import Draft, Source, verify
from service.desk import Newsdesk
from service.errors import NewsdeskError
from service.store.chroma import StoredArticle
from service.text.sentences import sentences as split_sentences

STUFF_PROMPT = ChatPromptTemplate.from_messages(
    [("human", "Write a concise summary of the following:\n\n\n{text}\n\n\nCONCISE SUMMARY:")]
)
SPLITS = ("dev", "heldout")
KINDS = ("single", "multi")
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
    split: str
    kind: str
    text: str
    sentences: list[str]
    facts: float  # credit over reference facts, 0..1
    unsupported: int
    cut: int
    words: int
    seconds: float
    extracted: bool = False
    labels: int = 0  # outlet labels shown (multi-outlet Newsdesk summaries)
    labels_true: int = 0
    false_labels: list[str] = field(default_factory=list)
    error: str | None = None


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass
class Report:
    items: list[ItemScore] = field(default_factory=list)

    def table(self) -> dict[str, dict[str, Any]]:
        """One column per system, kind and split that has items (e.g. ``newsdesk single dev``)."""
        out = {}
        for key in dict.fromkeys((i.system, i.kind, i.split) for i in self.items):
            failed = [i for i in self.items if (i.system, i.kind, i.split) == key and i.error]
            rows = [i for i in self.items if (i.system, i.kind, i.split) == key and not i.error]
            if not rows:
                out[" ".join(key)] = {"items": 0, "failed": len(failed)}
                continue
            labels = sum(i.labels for i in rows)
            out[" ".join(key)] = {
                "items": len(rows),
                "failed": len(failed),
                "facts_covered_pct": round(100 * statistics.mean(i.facts for i in rows), 1),
                "unsupported_sentences": sum(i.unsupported for i in rows),
                "cut_sentences": sum(i.cut for i in rows),
                "empty": sum(not i.sentences for i in rows),
                "extracted_fallbacks": sum(i.extracted for i in rows),
                "outlet_labels_true": f"{sum(i.labels_true for i in rows)}/{labels}" if labels else "-",
                "words_mean": round(statistics.mean(i.words for i in rows), 1),
                "words_max": max(i.words for i in rows),
                "seconds_mean": round(statistics.mean(i.seconds for i in rows), 1),
                "seconds_p95": round(_p95([i.seconds for i in rows]), 1),
            }
        return out


def load_items(dataset_dir: Path, splits: tuple[str, ...] = SPLITS, kinds: tuple[str, ...] = KINDS) -> list[dict[str, Any]]:
    path = dataset_dir / "dataset.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: build it with evals/public_summary/build.py (see its README)")
    items = json.loads(path.read_text())["items"]
    return [i for i in items if i["split"] in splits and i["kind"] in kinds]


def _source(n: int, article: StoredArticle) -> Source:
    return Source(n, f"{article.id}:all", article.id, article.title, article.outlet, article.text, 0)


def supported_by(sentence: str, articles: list[StoredArticle]) -> bool:
    """Whether the support check finds ``sentence`` stated in one of the articles, each checked on its
    own (the quotes of several outlets together can read as negating each other)."""
    for article in articles:
        source = _source(1, article)
        if not verify([Draft(sentence, [1])], [source]).sentences[0].unsupported:
            return True
    return False


def label_truth(summary: Summary, articles: list[StoredArticle]) -> tuple[int, list[str]]:
    """(labels shown, the false ones): a bullet's outlets should be exactly the outlets whose article
    supports it."""
    false = []
    for bullet in summary.bullets:
        stating = [a.outlet or a.title for a in articles if supported_by(bullet.text, [a])]
        if set(stating) != set(bullet.outlets):
            false.append(f"{bullet.text} | labelled {', '.join(bullet.outlets)} | stated by {', '.join(stating) or 'none'}")
    return len(summary.bullets), false


def _score(
    item: dict[str, Any], system: str, sentences: list[str], text: str, articles: list[StoredArticle], seconds: float
) -> ItemScore:
    return ItemScore(
        id=item["id"],
        system=system,
        split=item["split"],
        kind=item["kind"],
        text=text,
        sentences=sentences,
        facts=statistics.mean(fact_credit(f, text) for f in item["reference_facts"]),
        unsupported=sum(not supported_by(s, articles) for s in sentences),
        cut=sum(not is_whole(s) for s in sentences),
        words=len(text.split()),
        seconds=seconds,
    )


def _failed(item: dict[str, Any], system: str, exc: Exception) -> ItemScore:
    return ItemScore(
        item["id"], system, item["split"], item["kind"], "", [], 0.0, 0, 0, 0, 0.0, error=f"{type(exc).__name__}: {exc}"
    )


def _stuff_text(articles: list[StoredArticle]) -> str:
    if len(articles) == 1:
        return articles[0].text
    return "\n\n\n".join(f"{a.outlet}: {a.title}\n\n{a.text}" for a in articles)


def _ingest(desk: Newsdesk, path: Path) -> str:
    """The stored article's id (an article with a URL is stored under its URL, not its file)."""
    report = desk.ingestor.ingest_paths([path])
    if report.errors or not report.added + report.unchanged:
        raise RuntimeError(f"{path}: not ingested: {'; '.join(report.errors)}")
    return (report.added + report.unchanged)[0].id


def run(
    dataset_dir: Path,
    desk: Newsdesk,
    systems: tuple[str, ...] = ("newsdesk", "stuff"),
    on_item: Callable[[ItemScore], None] | None = None,
    splits: tuple[str, ...] = SPLITS,
    kinds: tuple[str, ...] = KINDS,
) -> Report:
    """Ingest the chosen items' articles into ``desk``'s store, summarise each item with every
    system, score; ``on_item`` sees each score as it comes."""
    items = load_items(dataset_dir, splits, kinds)
    by_file = {f: _ingest(desk, dataset_dir / f) for item in items for f in item["files"]}
    stuff = STUFF_PROMPT | desk.llm.bind(max_tokens=256) | StrOutputParser()
    desk.llm.bind(max_tokens=1).invoke("Hello")  # loads the model, so the first item's time is its own
    report = Report()
    for item in items:
        stored = [article for f in item["files"] if (article := desk.store.get_article(by_file[f]))]
        if "newsdesk" in systems:
            started = time.perf_counter()
            try:
                summary = desk.summarizer().summarize([a.id for a in stored])
            except NewsdeskError as exc:  # e.g. the model timed out on a loaded machine: recorded, not scored
                report.items.append(_failed(item, "newsdesk", exc))
                if on_item:
                    on_item(report.items[-1])
                continue
            seconds = time.perf_counter() - started
            texts = [b.text for b in summary.bullets]
            quotes = {c.n: c.quote for c in summary.citations}
            shown = texts + [quotes[n] for d in summary.disagreements for n in d.citations]
            score = _score(item, "newsdesk", texts, " ".join(shown), stored, seconds)
            score.extracted = summary.extracted
            if item["kind"] == "multi":
                score.labels, score.false_labels = label_truth(summary, stored)
                score.labels_true = score.labels - len(score.false_labels)
            report.items.append(score)
            if on_item:
                on_item(score)
        if "stuff" in systems:
            started = time.perf_counter()
            text = stuff.invoke({"text": _stuff_text(stored)}).strip()
            seconds = time.perf_counter() - started
            report.items.append(_score(item, "stuff", split_sentences(text), text, stored, seconds))
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
