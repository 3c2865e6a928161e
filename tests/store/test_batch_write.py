"""Ingestion writes articles in batches (one Chroma write per collection, one sparse commit): a
batch that fails part-way lists none of its articles, and ingesting again completes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import chromadb
import pytest
import tantivy

from service.ingest.pipeline import Ingestor
from service.settings import Settings
from service.store.chroma import ArticleStore, make_client, sparse_path
from service.store.embeddings import make_embeddings
from service.store.sparse import SparseBusy, SparseIndex
from tests.conftest import make_settings

WORDS = "harbour bridge library award ferry council budget storm river school election museum".split()


def records(count: int) -> list[dict[str, str]]:
    """``count`` articles of several chunks each, each with a word of its own."""
    out = []
    for i in range(count):
        own = f"zeta{i}word"
        sentences = [f"Report {i} says the {WORDS[(i + j) % len(WORDS)]} plan changed on day {j}, {own}." for j in range(40)]
        out.append({"title": f"Report {i}", "outlet": "Alpha Times", "text": " ".join(sentences)})
    return out


def write_jsonl(folder: Path, items: list[dict[str, str]]) -> Path:
    path = folder / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in items))
    return path


class SmallBatches:
    """A real Chroma client that accepts at most ``limit`` records per write, as a server may."""

    def __init__(self, client: chromadb.ClientAPI, limit: int) -> None:
        self._client, self._limit = client, limit

    def get_max_batch_size(self) -> int:
        return self._limit

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def open_store(settings: Settings, client: Any = None, busy_timeout_s: float = 30.0) -> ArticleStore:
    sparse = SparseIndex(sparse_path(settings), busy_timeout_s=busy_timeout_s)
    client = client or make_client(settings)
    return ArticleStore(client, make_embeddings(settings), settings.collection, "test", sparse, sparse_check_s=0)


def sparse_titles(store: ArticleStore, word: str) -> set[str]:
    """Titles of the chunks the sparse index itself finds (no reconciling with Chroma first)."""
    return {hit.chunk.metadata["title"] for hit in store.sparse.search([word], 100)}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


def test_a_batch_larger_than_one_chroma_write_is_stored_whole(settings: Settings, tmp_path: Path) -> None:
    store = open_store(settings, SmallBatches(make_client(settings), limit=3))
    report = Ingestor(store, settings).ingest_paths([write_jsonl(tmp_path, records(5))])
    assert len(report.added) == 5 and report.chunks_written > 5 * 3  # every article spans several writes
    listed = store.list_articles()
    assert sorted(a.title for a in listed) == [f"Report {i}" for i in range(5)]
    assert sum(a.chunk_count for a in listed) == store.count_chunks() == store.sparse.count() == report.chunks_written
    assert all(sparse_titles(store, f"zeta{i}word") == {f"Report {i}"} for i in range(5))


def test_a_batch_that_fails_part_way_lists_nothing_and_reingest_completes_it(settings: Settings, tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path, records(4))
    store = open_store(settings, busy_timeout_s=0.2)
    folder = sparse_path(settings)
    holder = tantivy.Index.open(str(folder)).writer()  # another process holds the index's writer lock
    try:
        with pytest.raises(SparseBusy, match="stayed locked"):
            Ingestor(store, settings).ingest_paths([corpus])
        # Chroma took the chunks, the index could not: no article of the batch is listed.
        assert store.count_chunks() > 0 and store.list_articles() == []
    finally:
        holder.rollback()
        holder.wait_merging_threads()  # releases the lock

    again = Ingestor(store, settings).ingest_paths([corpus])
    assert len(again.added) == 4 and not again.errors
    assert sum(a.chunk_count for a in store.list_articles()) == store.count_chunks() == store.sparse.count()
    assert all(sparse_titles(store, f"zeta{i}word") == {f"Report {i}"} for i in range(4))
