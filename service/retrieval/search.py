"""Search as a surface: what the hybrid retriever finds for a query, with every score, no model.

``newsdesk search`` and ``POST /v1/search`` both return a ``SearchResult``.
"""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from service.errors import InvalidInput
from service.retrieval.filters import Filters
from service.retrieval.hybrid import HybridRetriever, ScoredChunk
from service.store.chroma import ArticleStore


class ArticleRef(BaseModel):
    id: str
    title: str
    outlet: str | None
    published: str | None
    url: str | None


class Scores(BaseModel):
    fused: float = Field(description="Reciprocal-rank fusion of the two rankings; results are ordered by it.")
    dense: float | None = Field(description="Cosine similarity of the query and chunk embeddings; null: not in the dense top.")
    sparse: float | None = Field(description="BM25 score of the query's words; null: not in the sparse top.")
    dense_rank: int | None
    sparse_rank: int | None


class SearchHit(BaseModel):
    rank: int
    chunk_id: str
    text: str
    start: int = Field(description="Offset of the chunk in its article's cleaned text.")
    end: int
    article: ArticleRef
    scores: Scores


class SearchResult(BaseModel):
    query: str
    hits: list[SearchHit]
    took_ms: float


def search(store: ArticleStore, query: str, k: int = 10, filters: Filters | None = None, max_chars: int = 2000) -> SearchResult:
    if not query.strip():
        raise InvalidInput("the query is empty")
    if len(query) > max_chars:
        raise InvalidInput(f"the query is {len(query)} characters; the limit is {max_chars}")
    started = time.perf_counter()
    found = HybridRetriever(store=store, k=k, filters=filters or Filters()).search(query)
    hits = [_hit(rank, s) for rank, s in enumerate(found, start=1)]
    return SearchResult(query=query, hits=hits, took_ms=round((time.perf_counter() - started) * 1000, 2))


def _hit(rank: int, s: ScoredChunk) -> SearchHit:
    meta = s.document.metadata
    return SearchHit(
        rank=rank,
        chunk_id=str(s.document.id),
        text=s.document.page_content,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        article=ArticleRef(
            id=str(meta.get("article_id", "")),
            title=str(meta.get("title", "")),
            outlet=meta.get("outlet"),
            published=meta.get("published"),
            url=meta.get("url"),
        ),
        scores=Scores(fused=s.fused, dense=s.dense, sparse=s.sparse, dense_rank=s.dense_rank, sparse_rank=s.sparse_rank),
    )
