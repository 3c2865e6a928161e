"""Hybrid retrieval: Chroma dense search plus BM25 (the store's sparse index), fused by reciprocal rank.

Both searches see the same filters and fetch ``max(3k, 10)`` candidates; each candidate's fused
score is the sum over the rankings it appears in of ``1 / (RRF_K + rank)``. The two searches run
side by side (BM25 on a worker thread while this one embeds the query and asks Chroma), so a
hybrid query costs about what the dense one does (``benchmarks/retrieval_scale.py``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from service.retrieval.filters import Filters
from service.retrieval.terms import tokenize
from service.store.chroma import ArticleStore

RRF_K = 60
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sparse-search")


@dataclass(frozen=True)
class ScoredChunk:
    """A retrieved chunk with what each search thought of it (``None``: that search did not find it)."""

    document: Document
    fused: float
    dense: float | None = None  # cosine similarity
    sparse: float | None = None  # BM25
    dense_rank: int | None = None  # 1-based
    sparse_rank: int | None = None


def reciprocal_rank_fusion(dense: list[tuple[Document, float]], sparse: list[tuple[Document, float]], k: int) -> list[ScoredChunk]:
    fused: dict[str, dict[str, Any]] = {}
    for name, ranking in (("dense", dense), ("sparse", sparse)):
        for rank, (doc, score) in enumerate(ranking, start=1):
            assert doc.id is not None
            entry = fused.setdefault(doc.id, {"document": doc, "fused": 0.0})
            entry["fused"] += 1.0 / (RRF_K + rank)
            entry[name], entry[f"{name}_rank"] = score, rank
    best = sorted(fused.values(), key=lambda e: e["fused"], reverse=True)[:k]
    return [ScoredChunk(**e) for e in best]


class HybridRetriever(BaseRetriever):
    """Top-k chunks for a query; a LangChain retriever, so it composes in LCEL chains."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ArticleStore
    k: int = 5
    filters: Filters = Filters()

    def search(self, query: str) -> list[ScoredChunk]:
        """The fused top ``k`` with dense, sparse and fused scores."""
        where = self.filters.where()
        fetch = max(self.k * 3, 10)
        terms = tokenize(query)
        sparse = _pool.submit(self.store.sparse_search, terms, fetch, where) if terms else None
        dense = self.store.dense_search(query, fetch, where)
        return reciprocal_rank_fusion(dense, sparse.result() if sparse else [], self.k)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [hit.document for hit in self.search(query)]
