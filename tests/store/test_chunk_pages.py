"""Reading every chunk (for BM25) goes page by page, so a large store is read whole and exactly once."""

from __future__ import annotations

import numpy as np
import pytest

from service.settings import Settings
from service.store.chroma import ArticleStore
from service.store.embeddings import make_embeddings


@pytest.mark.parametrize("page", [4, 5, 11, 100])
def test_pages_cover_every_chunk_once(settings: Settings, page: int) -> None:
    store = ArticleStore.from_settings(settings, make_embeddings(settings))
    ids = [f"a{i % 3}:{i:04d}" for i in range(10)]
    vectors = np.random.default_rng(0).standard_normal((10, 384)).astype(np.float32)
    metadatas = [{"article_id": i.split(":")[0]} for i in ids]
    store._raw_chunks.add(ids=ids, embeddings=vectors, documents=ids, metadatas=metadatas)
    assert sorted(d.id for d in store.chunk_documents(page=page)) == sorted(ids)
    a1 = [i for i in sorted(ids) if i.startswith("a1")]
    assert sorted(d.id for d in store.chunk_documents({"article_id": "a1"}, page=page)) == a1
