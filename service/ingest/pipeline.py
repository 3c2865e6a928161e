"""Ingest files or records into the store: one file's failure never stops or half-writes the others.

The store is the only record of what is stored: every call asks it, per article, and keeps its
own bookkeeping (what it has seen, what waits to be embedded) in a per-call :class:`_Run`. So a
delete followed by a re-upload stores the article again, and re-sending a batch after any crash
converges to exactly one copy of each article.

Identity: an article is its URL when it has one, else its content (the id is a content hash).
A different article from the same file is a new article. Replacing is explicit (``replace``):
the article then replaces the stored ones with its URL, or, without a URL, from its file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from service.errors import InvalidInput
from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.limits import IngestLimits
from service.ingest.loaders import iter_files, load_file
from service.ingest.models import Article, Chunk, RawArticle
from service.settings import Settings
from service.store.chroma import ArticleStore, ArticleWrite

# Asked between files or records: a reason to stop now (deadline passed, client gone), or None.
StopCheck = Callable[[], str | None]


@dataclass
class IngestReport:
    added: list[Article] = field(default_factory=list)
    unchanged: list[Article] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    chunks_written: int = 0
    seconds: float = 0.0
    stopped: str | None = None

    def summary(self) -> str:
        return (
            f"{len(self.added)} article(s) added, {len(self.unchanged)} unchanged, "
            f"{len(self.replaced)} replaced, {self.chunks_written} chunks written, "
            f"{len(self.errors)} error(s) in {self.seconds:.1f}s"
        )


@dataclass
class _Pending:
    article: Article
    chunks: list[Chunk]
    replaces: list[str]


class _Run:
    """One ingest call: its report, the ids and URLs it has seen, the articles waiting to be embedded."""

    def __init__(self, ingestor: Ingestor, replace: bool) -> None:
        self.store = ingestor.store
        self.ingestor = ingestor
        self.replace = replace
        self.report = IngestReport()
        self.started = time.perf_counter()
        self.seen: set[str] = set()
        self.urls: set[str] = set()
        self.pending: list[_Pending] = []

    def add(self, label: str, load: Callable[[], list[RawArticle]]) -> None:
        """Queue one file's (or record's) articles; it fails whole: all are cleaned before any is queued."""
        try:
            articles = [clean(self.ingestor.limits.check(raw)) for raw in load()]
            for article in articles:
                self._queue(article)
        except InvalidInput as exc:
            message = str(exc)
            self.report.errors.append(message if message.startswith(label) else f"{label}: {message}")
        if sum(len(p.chunks) for p in self.pending) >= self.ingestor.settings.embedding_batch_size * 4:
            self.flush()

    def _identity_matches(self, article: Article) -> list[str]:
        """Stored ids that share the article's identity key (its URL; without one, its file)."""
        key, value = ("url", article.url) if article.url else ("source", article.source)
        return [i for i in self.store.ids_where(key, value) if i != article.id]

    def _queue(self, article: Article) -> None:
        if article.id in self.seen:
            self.report.unchanged.append(article)
            return
        if article.url in self.urls:
            raise InvalidInput(f"{article.url} appears twice with different content in this call")
        self.seen.add(article.id)
        if article.url:
            self.urls.add(article.url)
        if self.store.has(article.id):
            self.report.unchanged.append(article)
            if self.replace:  # finish a replacement that a crash interrupted
                self._remove(self._identity_matches(article))
            return
        replaces = self._identity_matches(article) if self.replace or article.url else []
        if replaces and not self.replace:
            raise InvalidInput(
                f"{article.url} is already stored as article {replaces[0]} with other content; "
                "replace it explicitly (API: ?replace=true, CLI: --replace)"
            )
        chunks = chunk_article(article, self.ingestor.splitter)
        self.pending.append(_Pending(article, chunks, replaces))

    def flush(self) -> None:
        """Embed everything pending, then store it as one batch (all or nothing), then drop what it replaces."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        embeddings = self.store.embeddings
        vectors = iter(embeddings.embed_documents([c.text for p in pending for c in p.chunks]))
        titles = embeddings.embed_documents([p.article.title for p in pending])
        self.store.write_many(
            [ArticleWrite(p.article, p.chunks, [next(vectors) for _ in p.chunks], t) for p, t in zip(pending, titles, strict=True)]
        )
        for p in pending:
            self.report.added.append(p.article)
            self.report.chunks_written += len(p.chunks)
            self._remove(p.replaces)

    def _remove(self, ids: list[str]) -> None:
        for old in ids:
            self.store.delete(old)
            self.report.replaced.append(old)

    def finish(self) -> IngestReport:
        self.flush()
        self.report.seconds = time.perf_counter() - self.started
        return self.report


class Ingestor:
    """Stateless between calls: holds only the store, the settings and what is built from them."""

    def __init__(self, store: ArticleStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.limits = IngestLimits.from_settings(settings)
        self.splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)

    def ingest_paths(
        self,
        paths: list[Path],
        on_file: Callable[[Path, int, int], None] | None = None,
        replace: bool = False,
    ) -> IngestReport:
        """Ingest files and folders; ``on_file(path, done, total)`` reports progress."""
        run = _Run(self, replace)
        files = list(iter_files(paths))
        for done, path in enumerate(files, 1):
            run.add(str(path), lambda path=path: load_file(path, self.limits.max_file_bytes, self.limits))
            if on_file:
                on_file(path, done, len(files))
        return run.finish()

    def ingest_raws(
        self, items: Iterable[tuple[str, RawArticle]], replace: bool = False, should_stop: StopCheck | None = None
    ) -> IngestReport:
        """Ingest ``(label, article)`` pairs, stopping early (what was stored is reported) when asked to."""
        run = _Run(self, replace)
        items = list(items)
        for done, (label, raw) in enumerate(items):
            if should_stop and (reason := should_stop()):
                run.report.stopped = reason
                run.report.errors.append(f"stopped: {reason}; {len(items) - done} article(s) not ingested")
                break
            run.add(label, lambda raw=raw: [raw])
        return run.finish()
