"""Hybrid retrieval: Chroma dense search plus BM25, fused by reciprocal rank.

Local Chroma has no sparse search, so BM25 runs here over the (filtered) chunks. Each store
keeps its BM25 index until the filter changes, the store writes (its revision), or the chunk
count changes (another process wrote to the same Chroma).
"""

from __future__ import annotations

import heapq
import json
import re
import threading
import weakref
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict
from rank_bm25 import BM25Okapi

from service.retrieval.filters import Filters
from service.store.chroma import ArticleStore

RRF_K = 60
_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "a an and are as at be by did do does for from had has have he her his how in is it its of on or "
    "she that the their them they this to was were what when where which who whom why will with would".split()
)


def tokenize(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


class _BM25Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int, int] | None = None
        self._docs: list[Document] = []
        self._index: BM25Okapi | None = None

    def search(self, store: ArticleStore, where: dict[str, Any] | None, query: str, k: int) -> list[Document]:
        key = (json.dumps(where, sort_keys=True), store.revision, store.count_chunks())
        with self._lock:
            if key != self._key:
                self._docs = store.chunk_documents(where)
                self._index = BM25Okapi([tokenize(d.page_content) for d in self._docs]) if self._docs else None
                self._key = key
            docs, index = self._docs, self._index
        terms = tokenize(query)
        if index is None or not terms:
            return []
        scores = index.get_scores(terms)
        ranked = heapq.nlargest(k, range(len(docs)), key=scores.__getitem__)
        return [docs[i] for i in ranked if scores[i] > 0]


_caches: weakref.WeakKeyDictionary[ArticleStore, _BM25Cache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _bm25_for(store: ArticleStore) -> _BM25Cache:
    with _caches_lock:
        return _caches.setdefault(store, _BM25Cache())


def reciprocal_rank_fusion(rankings: list[list[Document]], k: int) -> list[Document]:
    scores: dict[str, float] = {}
    by_id: dict[str, Document] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking):
            assert doc.id is not None
            scores[doc.id] = scores.get(doc.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            by_id.setdefault(doc.id, doc)
    best = sorted(scores, key=lambda i: scores[i], reverse=True)[:k]
    return [by_id[i] for i in best]


class HybridRetriever(BaseRetriever):
    """Top-k chunks for a query; a LangChain retriever, so it composes in LCEL chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ArticleStore
    k: int = 5
    filters: Filters = Filters()

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        where = self.filters.where()
        fetch = max(self.k * 3, 10)
        dense = self.store.dense_search(query, fetch, where)
        sparse = _bm25_for(self.store).search(self.store, where, query, fetch)
        return reciprocal_rank_fusion([dense, sparse], self.k)
