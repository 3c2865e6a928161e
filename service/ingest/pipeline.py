"""Ingest files into the store: one file's failure never stops or half-writes the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.errors import InvalidInput
from service.ingest.loaders import iter_files, load_file
from service.ingest.models import Article, RawArticle
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
    def __init__(self, store: ArticleStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)

    def ingest_raw(self, raw: RawArticle, report: IngestReport) -> Article:
        article = clean(raw)
        if self.store.has(article.id):
            report.unchanged.append(article)
            return article
        chunks = chunk_article(article, self.splitter)
        report.replaced += self.store.write(article, chunks)
        report.added.append(article)
        report.chunks_written += len(chunks)
        return article

    def ingest_paths(
        self, paths: list[Path], on_file: Callable[[Path, int, int], None] | None = None
    ) -> IngestReport:
        """Ingest files and folders; ``on_file(path, done, total)`` reports progress."""
        started = time.perf_counter()
        report = IngestReport()
        files = list(iter_files(paths))
        for done, path in enumerate(files, 1):
            try:
                for raw in load_file(path, self.settings.max_file_bytes):
                    self.ingest_raw(raw, report)
            except InvalidInput as exc:
                message = str(exc)
                report.errors.append(message if message.startswith(str(path)) else f"{path}: {message}")
            if on_file:
                on_file(path, done, len(files))
        report.seconds = time.perf_counter() - started
        return report
