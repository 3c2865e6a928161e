"""The article store on Chroma: embedded (PersistentClient) or a server (HttpClient).

Two collections: ``<name>_chunks`` (what retrieval searches) and ``<name>_articles`` (one
record per article: its cleaned text and metadata). Articles are written in batches: every
chunk of the batch first, then the records that list them, so a record is the commit marker:
an article is listed, and skipped on re-ingest, only once every chunk is in. A crash in between
leaves chunks that the next ingest overwrites (ids are deterministic) and nothing that is listed
half-written. A batch costs one Chroma write per collection and one sparse-index commit, however
many articles it holds (a commit per article cost ingestion about a fifth of its speed).

Beside Chroma, a sparse (BM25) index (``service/store/sparse.py``) holds the same chunks. It is
written in the same step, after Chroma's chunks and before the article records, and emptied of
an article after Chroma is; so every crash window leaves the two with different chunk counts.
Chroma is the truth: before a sparse search, at most once a second (and on the first search
after opening), the counts are compared, and if they differ the index is reconciled against
Chroma's chunk ids (extra rows dropped, missing chunks copied from Chroma). That also catches
writes by another process to a shared Chroma server whose index file is not shared.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from service.errors import InvalidInput, Unavailable
from service.ingest.models import Article, Chunk
from service.settings import Settings
from service.store.sparse import SparseChunk, SparseIndex

_PAGE = 5000  # Chroma reads in pages: one ``get`` of everything fails past ~32k chunks
SPARSE_CHECK_S = 1.0  # at most how often a search compares the sparse index's chunk count with Chroma's


class StoreUnavailable(Unavailable):
    """Chroma could not be reached or failed; the message says which and why."""


@dataclass(frozen=True)
class StoredArticle:
    id: str
    title: str
    outlet: str | None
    published: str | None
    url: str | None
    source: str
    chunk_count: int
    text: str = ""
    author: str | None = None


def make_client(settings: Settings) -> chromadb.ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        where = f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        except Exception as exc:  # chromadb raises bare ValueError/ConnectError variants here
            raise StoreUnavailable(f"{where} is unreachable: {exc}") from exc
        # chromadb's HTTP client has no timeout; a hung server must not hang us.
        client._server._session.timeout = httpx.Timeout(settings.chroma_timeout_s)  # type: ignore[attr-defined]
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def sparse_path(settings: Settings) -> Path:
    """The sparse index folder: beside the embedded store, or per Chroma server under DATA_DIR.

    Processes that share this folder (one machine, one DATA_DIR) share one index; a process
    with its own keeps it in step with Chroma by reconciling (see the module docstring).
    """
    if settings.chroma_host:
        return settings.data_dir / "sparse" / f"{settings.collection}@{settings.chroma_host}_{settings.chroma_port}"
    return settings.chroma_dir.with_name(settings.chroma_dir.name + "-sparse") / settings.collection


def published_day(published: str | None) -> int | None:
    """``YYYYMMDD`` as an int, so Chroma's numeric ``$gte``/``$lte`` can filter by date."""
    if not published:
        return None
    try:
        day = dt.datetime.fromisoformat(published.replace("Z", "+00:00")).date()
    except ValueError:
        return None
    return day.year * 10000 + day.month * 100 + day.day


@dataclass(frozen=True)
class ArticleWrite:
    """One article to store, its chunks and their vectors (``chunk_vectors[i]`` embeds ``chunks[i]``)."""

    article: Article
    chunks: list[Chunk]
    chunk_vectors: list[list[float]]
    title_vector: list[float]


@dataclass
class _Rows:
    """Columns of one Chroma upsert, written in slices of at most the client's batch size."""

    ids: list[str] = field(default_factory=list)
    embeddings: list[list[float]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    metadatas: list[dict[str, Any]] = field(default_factory=list)

    def append(self, id_: str, embedding: list[float], document: str, metadata: dict[str, Any]) -> None:
        self.ids.append(id_)
        self.embeddings.append(embedding)
        self.documents.append(document)
        self.metadatas.append(metadata)

    def upsert(self, collection: chromadb.Collection, step: int) -> None:
        for lo in range(0, len(self.ids), step):
            part = slice(lo, lo + step)
            collection.upsert(
                ids=self.ids[part], embeddings=self.embeddings[part], documents=self.documents[part], metadatas=self.metadatas[part]
            )


def _base_metadata(article: Article) -> dict[str, Any]:
    """What every chunk and the record of an article carry: its id, title, source, and what it has of the rest."""
    base: dict[str, Any] = {"article_id": article.id, "title": article.title, "source": article.source}
    for key in ("outlet", "published", "url"):
        if getattr(article, key):
            base[key] = getattr(article, key)
    if (day := published_day(article.published)) is not None:
        base["published_day"] = day
    return base


class ArticleStore:
    def __init__(
        self,
        client: chromadb.ClientAPI,
        embeddings: Embeddings,
        name: str,
        where: str,
        sparse: SparseIndex,
        sparse_check_s: float = SPARSE_CHECK_S,
        max_filter_values: int = 1000,
    ) -> None:
        self._client = client
        self.max_filter_values = max_filter_values
        self.embeddings = embeddings
        self._name = name
        self.where = where
        self.sparse = sparse
        self._sparse_check_s = sparse_check_s
        self._sparse_checked = float("-inf")
        self._sync_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, embeddings: Embeddings) -> ArticleStore:
        where = (
            f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else f"embedded Chroma at {settings.chroma_dir}"
        )
        sparse, limit = SparseIndex(sparse_path(settings)), settings.max_article_ids
        return cls(make_client(settings), embeddings, settings.collection, where, sparse, max_filter_values=limit)

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except StoreUnavailable:
            raise
        except (httpx.HTTPError, ConnectionError, OSError) as exc:
            raise StoreUnavailable(f"{self.where} is unreachable: {exc.__class__.__name__}: {exc}") from exc
        except chromadb.errors.ChromaError as exc:
            raise StoreUnavailable(f"{self.where} failed: {exc}") from exc

    def _collection(self, suffix: str) -> Chroma:
        with self._guard():
            return Chroma(
                client=self._client,
                collection_name=f"{self._name}_{suffix}",
                embedding_function=self.embeddings,
                collection_configuration={"hnsw": {"space": "cosine", "ef_search": 200}},
            )

    @cached_property
    def chunks(self) -> Chroma:
        return self._collection("chunks")

    @cached_property
    def articles(self) -> Chroma:
        return self._collection("articles")

    # Writes go to the raw collections with vectors computed by the caller, so that ingestion
    # can embed many articles' chunks in one batch.
    @property
    def _raw_chunks(self) -> chromadb.Collection:
        return self.chunks._collection

    @property
    def _raw_articles(self) -> chromadb.Collection:
        return self.articles._collection

    def _check_filter(self, where: dict[str, Any] | None) -> None:
        """A filter listing too many values is the caller's mistake (422), not a store failure (Chroma: 503)."""
        count = _filter_values(where)
        if count > self.max_filter_values:
            raise InvalidInput(f"the filter lists {count} values; the limit is {self.max_filter_values} (NEWSDESK_MAX_ARTICLE_IDS)")

    def ping(self) -> None:
        with self._guard():
            self._client.heartbeat()

    # --- writes ---------------------------------------------------------------------------

    def has(self, article_id: str) -> bool:
        with self._guard():
            return bool(self.articles.get(ids=[article_id], include=[])["ids"])

    def ids_where(self, key: str, value: str) -> list[str]:
        """Ids of stored articles whose metadata ``key`` equals ``value`` (e.g. ``url``)."""
        with self._guard():
            return self.articles.get(where={key: value}, include=[])["ids"]

    def write_many(self, batch: Sequence[ArticleWrite]) -> None:
        """Store articles and their embedded chunks: all chunks first, then the records that list them."""
        if not batch:
            return
        chunks, records = _Rows(), _Rows()
        for item in batch:
            base = _base_metadata(item.article)
            for c, vector in zip(item.chunks, item.chunk_vectors, strict=True):
                chunks.append(c.id, vector, c.text, {**base, "chunk_index": c.index, "start": c.start, "end": c.end})
            if item.article.author:
                base = {**base, "author": item.article.author}  # the record carries the author; chunks do not
            records.append(item.article.id, item.title_vector, item.article.text, {**base, "chunk_count": len(item.chunks)})
        with self._guard():
            step = self._client.get_max_batch_size()
            chunks.upsert(self._raw_chunks, step)
            if chunks.ids:
                self.sparse.upsert(SparseChunk(*row) for row in zip(chunks.ids, chunks.documents, chunks.metadatas, strict=True))
            records.upsert(self._raw_articles, step)

    def delete(self, article_id: str) -> bool:
        """Remove the article record first (it stops being listed), then its chunks."""
        with self._guard():
            existed = self.has(article_id)
            self.articles.delete(ids=[article_id])
            self.chunks.delete(where={"article_id": article_id})
            self.sparse.delete_article(article_id)
        return existed

    # --- reads ----------------------------------------------------------------------------

    def list_articles(self) -> list[StoredArticle]:
        with self._guard():
            got = self.articles.get(include=["metadatas"])
        items = [_stored(i, m) for i, m in zip(got["ids"], got["metadatas"], strict=True)]
        return sorted(items, key=lambda a: (a.published or "", a.title))

    def get_article(self, article_id: str) -> StoredArticle | None:
        with self._guard():
            got = self.articles.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return _stored(got["ids"][0], got["metadatas"][0], got["documents"][0])

    def chunk_documents(self, where: dict[str, Any] | None = None, page: int = 5000) -> list[Document]:
        """Every stored chunk (optionally filtered), as Documents with their ids and metadata.

        Read in pages: one ``get`` of everything fails past ~32k chunks ("too many SQL variables").
        """
        self._check_filter(where)
        docs: list[Document] = []
        with self._guard():
            while True:
                got = self.chunks.get(where=where, include=["metadatas", "documents"], limit=page, offset=len(docs))
                docs += [
                    Document(page_content=text, metadata=meta, id=cid)
                    for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
                ]
                if len(got["ids"]) < page:
                    return docs

    def dense_search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[tuple[Document, float]]:
        """The ``k`` nearest chunks with their cosine similarity (1 - Chroma's cosine distance)."""
        self._check_filter(where)
        with self._guard():
            hits = self.chunks.similarity_search_with_score(query, k=k, filter=where)
        return [(doc, 1.0 - distance) for doc, distance in hits]

    def sparse_search(self, terms: list[str], k: int, where: dict[str, Any] | None = None) -> list[tuple[Document, float]]:
        """The ``k`` best chunks by BM25 over ``terms``, with their scores; filtered like ``dense_search``."""
        self._check_filter(where)
        if time.monotonic() - self._sparse_checked >= self._sparse_check_s:
            self.check_sparse()
        else:
            self.sparse.refresh()  # another process's commits (a delete on another replica) count at once
        hits = self.sparse.search(terms, k, where)
        return [(Document(h.chunk.text, metadata=h.chunk.metadata, id=h.chunk.id), h.score) for h in hits]

    def check_sparse(self) -> int:
        """Reconcile the sparse index with Chroma if their chunk counts differ; returns the rows fixed.

        The index's ids are read before Chroma's: a write or delete that runs meanwhile (Chroma
        first, then the index) is then either in both snapshots or fixed the same way it would be.
        """
        with self._sync_lock:
            self._sparse_checked = time.monotonic()
            self.sparse.refresh()
            if self.sparse.count() == self.count_chunks():
                return 0
            have = self.sparse.ids()
            with self._guard():
                truth = set(self._chunk_ids())
                extra, missing = have - truth, sorted(truth - have)
                self.sparse.delete_ids(extra)
                for lo in range(0, len(missing), _PAGE):
                    got = self._raw_chunks.get(ids=missing[lo : lo + _PAGE], include=["documents", "metadatas"])
                    self.sparse.upsert(
                        SparseChunk(i, t, dict(m)) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
                    )
            return len(extra) + len(missing)

    def _chunk_ids(self) -> Iterator[str]:
        offset = 0
        while True:
            ids = self._raw_chunks.get(include=[], limit=_PAGE, offset=offset)["ids"]
            yield from ids
            if len(ids) < _PAGE:
                return
            offset += len(ids)

    def count_chunks(self) -> int:
        with self._guard():
            return self._raw_chunks.count()


def _filter_values(node: Any) -> int:
    """How many values a Chroma ``where`` lists (``$in``/``$nin`` lists count each member)."""
    if isinstance(node, dict):
        return sum(_filter_values(v) for v in node.values())
    if isinstance(node, list):
        return sum(_filter_values(v) for v in node) if any(isinstance(v, dict) for v in node) else len(node)
    return 1


def _stored(article_id: str, meta: dict[str, Any], text: str = "") -> StoredArticle:
    return StoredArticle(
        id=article_id,
        title=str(meta.get("title", "")),
        outlet=meta.get("outlet"),
        published=meta.get("published"),
        url=meta.get("url"),
        source=str(meta.get("source", "")),
        chunk_count=int(meta.get("chunk_count", 0)),
        text=text,
        author=meta.get("author"),
    )
