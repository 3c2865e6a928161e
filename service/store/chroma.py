"""The article store on Chroma: embedded (PersistentClient) or a server (HttpClient).

Two collections: ``<name>_chunks`` (what retrieval searches) and ``<name>_articles`` (one
record per article: its cleaned text and metadata). An article's record is written after all
of its chunks, so it is the commit marker: an article is listed, and skipped on re-ingest, only
once every chunk is in. A crash in between leaves chunks that the next ingest overwrites (ids
are deterministic) and nothing that is listed half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import chromadb
import httpx
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from service.errors import Unavailable
from service.ingest.models import Article, Chunk
from service.settings import Settings


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


def published_day(published: str | None) -> int | None:
    """``YYYYMMDD`` as an int, so Chroma's numeric ``$gte``/``$lte`` can filter by date."""
    if not published:
        return None
    try:
        day = dt.datetime.fromisoformat(published.replace("Z", "+00:00")).date()
    except ValueError:
        return None
    return day.year * 10000 + day.month * 100 + day.day


class ArticleStore:
    def __init__(self, client: chromadb.ClientAPI, embeddings: Embeddings, name: str, where: str) -> None:
        self._client = client
        self.embeddings = embeddings
        self._name = name
        self.where = where
        # Bumped by every write and delete through this object: caches of its contents key on it.
        self.revision = 0

    @classmethod
    def from_settings(cls, settings: Settings, embeddings: Embeddings) -> ArticleStore:
        where = (
            f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else f"embedded Chroma at {settings.chroma_dir}"
        )
        return cls(make_client(settings), embeddings, settings.collection, where)

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

    def write(self, article: Article, chunks: list[Chunk], chunk_vectors: list[list[float]], title_vector: list[float]) -> None:
        """Store an article and its embedded chunks: chunks first, then the record that lists it."""
        base = {"article_id": article.id, "title": article.title, "source": article.source}
        for key in ("outlet", "published", "url"):
            if getattr(article, key):
                base[key] = getattr(article, key)
        if (day := published_day(article.published)) is not None:
            base["published_day"] = day
        with self._guard():
            if chunks:
                self._raw_chunks.upsert(
                    ids=[c.id for c in chunks],
                    embeddings=chunk_vectors,
                    documents=[c.text for c in chunks],
                    metadatas=[{**base, "chunk_index": c.index, "start": c.start, "end": c.end} for c in chunks],
                )
            self._raw_articles.upsert(
                ids=[article.id],
                embeddings=[title_vector],
                documents=[article.text],
                metadatas=[{**base, "chunk_count": len(chunks)}],
            )
            self.revision += 1

    def delete(self, article_id: str) -> bool:
        """Remove the article record first (it stops being listed), then its chunks."""
        with self._guard():
            existed = self.has(article_id)
            self.articles.delete(ids=[article_id])
            self.chunks.delete(where={"article_id": article_id})
            self.revision += 1
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

    def dense_search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Document]:
        with self._guard():
            hits = self.chunks.similarity_search_with_score(query, k=k, filter=where)
        return [doc for doc, _distance in hits]

    def count_chunks(self) -> int:
        with self._guard():
            return self._raw_chunks.count()


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
    )
