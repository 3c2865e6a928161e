"""Ingest files into the store: one file's failure never stops or half-writes the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.errors import InvalidInput
from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.loaders import iter_files, load_file
from service.ingest.models import Article, Chunk, RawArticle
from service.settings import Settings
from service.store.chroma import ArticleStore


@dataclass
class IngestReport:
    added: list[Article] = field(default_factory=list)
    unchanged: list[Article] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    chunks_written: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} article(s) added, {len(self.unchanged)} unchanged, "
            f"{len(self.replaced)} replaced, {self.chunks_written} chunks written, "
            f"{len(self.errors)} error(s) in {self.seconds:.1f}s"
        )


class Ingestor:
    """Embeds pending articles' chunks together (``embedding_batch_size`` per call) before writing."""

    def __init__(self, store: ArticleStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
        self._pending: list[tuple[Article, list[Chunk]]] = []
        self._seen: set[str] = set()

    def _queue(self, article: Article, report: IngestReport) -> None:
        if article.id in self._seen or self.store.has(article.id):
            report.unchanged.append(article)
            return
        self._seen.add(article.id)
        self._pending.append((article, chunk_article(article, self.splitter)))

    def _flush(self, report: IngestReport) -> None:
        """Embed everything pending (all or nothing), then write article by article."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        embeddings = self.store.embeddings
        vectors = iter(embeddings.embed_documents([c.text for _, chunks in pending for c in chunks]))
        titles = embeddings.embed_documents([a.title for a, _ in pending])
        for (article, chunks), title_vector in zip(pending, titles, strict=True):
            report.replaced += self.store.write(article, chunks, [next(vectors) for _ in chunks], title_vector)
            report.added.append(article)
            report.chunks_written += len(chunks)

    def ingest_raw(self, raw: RawArticle, report: IngestReport) -> Article:
        article = clean(raw)
        self._queue(article, report)
        self._flush(report)
        return article

    def ingest_paths(self, paths: list[Path], on_file: Callable[[Path, int, int], None] | None = None) -> IngestReport:
        """Ingest files and folders; ``on_file(path, done, total)`` reports progress."""
        started = time.perf_counter()
        report = IngestReport()
        files = list(iter_files(paths))
        self._seen.clear()
        for done, path in enumerate(files, 1):
            try:
                # A file fails whole: every article in it is cleaned before any is queued.
                for article in [clean(raw) for raw in load_file(path, self.settings.max_file_bytes)]:
                    self._queue(article, report)
            except InvalidInput as exc:
                message = str(exc)
                report.errors.append(message if message.startswith(str(path)) else f"{path}: {message}")
            if sum(len(chunks) for _, chunks in self._pending) >= self.settings.embedding_batch_size * 4:
                self._flush(report)
            if on_file:
                on_file(path, done, len(files))
        self._flush(report)
        report.seconds = time.perf_counter() - started
        return report
