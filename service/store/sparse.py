"""The sparse (BM25) index beside Chroma: a tantivy index in one folder.

Chosen by measurement against SQLite FTS5 and bm25s on the same corpus
(``benchmarks/sparse_engines.py``, figures in the README): tantivy keeps a query to the posting
blocks that can still reach the top k (block-max WAND), so a query of common words stays under a
millisecond at 100k chunks where FTS5 scores every match (p95 ~240 ms); bm25s is as fast but has
no incremental add (every write is a full rebuild).

One document per chunk holds its text, the metadata Chroma holds for it (so a sparse hit becomes
a Document without a round trip to Chroma) and the filterable fields. Filters come in Chroma's
``where`` form, so the store filters both searches with one value. This index does not decide
what exists: Chroma does. ``ArticleStore`` writes here in the same step as Chroma and reconciles
this index against Chroma's chunk ids when their counts differ.

Processes on one machine can share the folder: searches never block; a write takes tantivy's
writer lock (a lock file) for the length of one commit, and a writer that finds it taken waits
up to ``busy_timeout_s``. Another process's commit becomes visible at the next ``refresh()``.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from service.errors import Unavailable

ANALYZER = "news"  # words, lower-cased, accents folded ("Tréharne" = "treharne"), English stop words dropped
_STRINGS = ("article_id", "outlet")
_WRITER_HEAP = 15_000_000  # bytes; tantivy's minimum per thread is 3 MB


class SparseBusy(Unavailable):
    """Another process held the index's writer lock for longer than the wait allowed."""


@dataclass(frozen=True)
class SparseChunk:
    id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class SparseHit:
    chunk: SparseChunk
    score: float  # BM25, higher is better


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in _STRINGS:
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    b.add_integer_field("published_day", indexed=True, fast=True)
    b.add_text_field("text", stored=True, tokenizer_name=ANALYZER, index_option="freq")
    b.add_bytes_field("metadata", stored=True, indexed=False)
    return b.build()


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .build()
    )


class SparseIndex:
    """BM25 search over chunks in a tantivy folder; safe to share between threads and processes."""

    def __init__(self, path: Path, busy_timeout_s: float = 30.0) -> None:
        self.path = path
        self._busy_timeout_s = busy_timeout_s
        self._schema = _schema()
        self._analyzer = _analyzer()
        self._write_lock = threading.Lock()
        path.mkdir(parents=True, exist_ok=True)
        try:
            self._index = tantivy.Index(self._schema, path=str(path))
        except (OSError, ValueError):
            # Derived data in an older or damaged format: start empty; reconciling refills it from Chroma.
            shutil.rmtree(path)
            path.mkdir(parents=True)
            self._index = tantivy.Index(self._schema, path=str(path))
        self._index.register_tokenizer(ANALYZER, self._analyzer)
        self._index.config_reader("Manual")

    def refresh(self) -> None:
        """See what other processes committed since the last refresh (this process's writes are seen at once)."""
        self._index.reload()

    @contextmanager
    def _writer(self) -> Iterator[tantivy.IndexWriter]:
        with self._write_lock:
            deadline = time.monotonic() + self._busy_timeout_s
            while True:
                try:
                    writer = self._index.writer(_WRITER_HEAP, 1)
                    break
                except ValueError as exc:  # another process holds the writer lock
                    if "LockBusy" not in str(exc):
                        raise
                    if time.monotonic() > deadline:
                        raise SparseBusy(
                            f"the sparse index at {self.path} stayed locked by another writer for {self._busy_timeout_s:g}s"
                        ) from exc
                    time.sleep(0.02)
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()  # releases the lock
            self._index.reload()

    # --- writes ---------------------------------------------------------------------------

    def upsert(self, chunks: Iterable[SparseChunk]) -> None:
        """Add chunks, replacing any stored under the same ids, in one commit."""
        with self._writer() as writer:
            for c in chunks:
                writer.delete_documents_by_term("id", c.id)
                doc = tantivy.Document(id=c.id, text=c.text, metadata=json.dumps(c.metadata).encode())
                for name in _STRINGS:
                    if isinstance(c.metadata.get(name), str):
                        doc.add_text(name, c.metadata[name])
                if isinstance(c.metadata.get("published_day"), int):
                    doc.add_integer("published_day", c.metadata["published_day"])
                writer.add_document(doc)

    def delete_ids(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        with self._writer() as writer:
            for chunk_id in ids:
                writer.delete_documents_by_term("id", chunk_id)

    def delete_article(self, article_id: str) -> None:
        with self._writer() as writer:
            writer.delete_documents_by_term("article_id", article_id)

    # --- reads ----------------------------------------------------------------------------

    def count(self) -> int:
        return self._index.searcher().num_docs

    def ids(self) -> set[str]:
        searcher = self._index.searcher()
        hits = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1), count=False).hits
        return {searcher.doc(address)["id"][0] for _score, address in hits}

    def search(self, terms: list[str], k: int, where: dict[str, Any] | None = None) -> list[SparseHit]:
        """The ``k`` best chunks containing any of ``terms`` by BM25, within the Chroma-style ``where``."""
        tokens = dict.fromkeys(t for term in terms for t in self._analyzer.analyze(term))
        if not tokens or k <= 0:
            return []
        Q, Occur = tantivy.Query, tantivy.Occur
        query = Q.boolean_query([(Occur.Should, Q.term_query(self._schema, "text", t)) for t in tokens])
        if where:
            query = Q.boolean_query([(Occur.Must, query), (Occur.Must, Q.const_score_query(self._filter(where), 0.0))])
        searcher = self._index.searcher()
        hits = []
        for score, address in searcher.search(query, k, count=False).hits:
            doc = searcher.doc(address)
            meta = json.loads(bytes(doc["metadata"][0]))
            hits.append(SparseHit(SparseChunk(doc["id"][0], doc["text"][0], meta), score))
        return hits

    def _filter(self, where: dict[str, Any]) -> tantivy.Query:
        """Chroma's ``where`` (the subset ``Filters`` produces, plus $or/$ne/$nin) as a tantivy query."""
        Q, Occur = tantivy.Query, tantivy.Occur
        if len(where) != 1:
            return self._filter({"$and": [{key: value} for key, value in where.items()]})
        ((key, value),) = where.items()
        if key in ("$and", "$or"):
            occur = Occur.Must if key == "$and" else Occur.Should
            return Q.boolean_query([(occur, self._filter(w)) for w in value])
        if key not in (*_STRINGS, "published_day"):
            raise ValueError(f"the sparse index cannot filter on {key!r}")
        op, arg = next(iter(value.items())) if isinstance(value, dict) else ("$eq", value)
        if op in ("$ne", "$nin"):
            excluded = self._filter({key: {"$eq" if op == "$ne" else "$in": arg}})
            return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, excluded)])
        if key in _STRINGS:
            if op == "$eq":
                return Q.term_query(self._schema, key, arg)
            if op == "$in":
                return Q.term_set_query(self._schema, key, list(arg))
            raise ValueError(f"the sparse index cannot compare {key!r} with {op!r}")
        bounds = {
            "$eq": (arg, arg, True, True), "$gte": (arg, None, True, True), "$gt": (arg, None, False, True),
            "$lte": (None, arg, True, True), "$lt": (None, arg, True, False),
        }  # fmt: skip
        if op == "$in":
            return Q.boolean_query([(Occur.Should, self._filter({key: v})) for v in arg])
        if op not in bounds:
            raise ValueError(f"the sparse index does not support the operator {op!r}")
        lower, upper, include_lower, include_upper = bounds[op]
        return Q.range_query(self._schema, key, tantivy.FieldType.Integer, lower, upper, include_lower, include_upper)
