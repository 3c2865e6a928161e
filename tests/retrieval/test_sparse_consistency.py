"""The sparse index stays consistent with Chroma: after crashes mid-write or mid-delete, a lost or
damaged index folder, and writes by another API process against the same Chroma server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from service.desk import Newsdesk
from service.retrieval.filters import Filters
from service.retrieval.hybrid import HybridRetriever
from service.settings import Settings
from service.store.chroma import ArticleStore, make_client, sparse_path
from service.store.embeddings import make_embeddings
from service.store.sparse import SparseIndex
from tests.conftest import make_settings

RECORDS = [
    {"title": "Harbour bridge reopens", "outlet": "Alpha Times",
     "text": "The harbour bridge reopened after repairs. Engineer Olwen Tréharne led the work."},
    {"title": "Library wins award", "outlet": "Beta Post",
     "text": "The city library won a national design award for its reading garden."},
]  # fmt: skip


def open_store(settings: Settings) -> ArticleStore:
    """A store as a freshly started process opens it, checking the sparse index on every search."""
    sparse = SparseIndex(sparse_path(settings))
    return ArticleStore(make_client(settings), make_embeddings(settings), settings.collection, "test", sparse, sparse_check_s=0)


def ingest(settings: Settings, records: list[dict], folder: Path, replace: bool = False) -> list[str]:
    path = folder / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    return [a.id for a in Newsdesk(settings).ingestor.ingest_paths([path], replace=replace).added]


def sparse_titles(store: ArticleStore, query: str) -> list[str]:
    return [doc.metadata["title"] for doc, _score in store.sparse_search(query.lower().split(), 10)]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path / "data")
    assert len(ingest(settings, RECORDS, tmp_path)) == 2
    return settings


def test_chunks_written_to_chroma_but_not_the_index_are_found_after_a_crash(settings: Settings) -> None:
    store = open_store(settings)
    # A crash between Chroma's upsert and the index's: Chroma has a chunk the index lacks.
    vector = store.embeddings.embed_documents(["Ferry timetable changes in spring."])
    meta = {"article_id": "ferry", "title": "Ferry news", "source": "x", "chunk_index": 0, "start": 0, "end": 34}
    store._raw_chunks.add(ids=["ferry:0000"], embeddings=vector, documents=["Ferry timetable changes in spring."], metadatas=[meta])
    reopened = open_store(settings)
    assert sparse_titles(reopened, "ferry timetable") == ["Ferry news"]
    assert reopened.sparse.count() == reopened.count_chunks()


def test_chunks_deleted_from_chroma_but_not_the_index_are_gone_after_a_crash(settings: Settings) -> None:
    store = open_store(settings)
    bridge = next(a.id for a in store.list_articles() if a.title == "Harbour bridge reopens")
    store.articles.delete(ids=[bridge])  # delete() stopped after Chroma, before the index
    store.chunks.delete(where={"article_id": bridge})
    reopened = open_store(settings)
    assert sparse_titles(reopened, "harbour bridge treharne") == []
    assert all(d.metadata["article_id"] != bridge for d in HybridRetriever(store=reopened, k=5).invoke("harbour bridge"))


@pytest.mark.parametrize("damage", ["lost", "corrupt"])
def test_a_lost_or_damaged_index_is_rebuilt_from_chroma(settings: Settings, damage: str) -> None:
    folder = sparse_path(settings)
    if damage == "lost":
        shutil.rmtree(folder)
    else:
        (folder / "meta.json").write_text("{")
    store = open_store(settings)
    assert sparse_titles(store, "treharne") == ["Harbour bridge reopens"]
    assert sparse_titles(store, "reading garden") == ["Library wins award"]


def test_deletes_and_replacements_reach_the_index(settings: Settings, tmp_path: Path) -> None:
    store = open_store(settings)
    changed = dict(RECORDS[0], text="The harbour bridge stays shut while divers inspect the pillars.")
    ingest(settings, [changed, RECORDS[1]], tmp_path, replace=True)
    assert sparse_titles(store, "treharne repairs") == [] and sparse_titles(store, "divers") == ["Harbour bridge reopens"]
    library = next(a.id for a in store.list_articles() if a.title == "Library wins award")
    assert Newsdesk(settings).store.delete(library)
    assert sparse_titles(store, "reading garden") == []
    assert store.sparse.count() == store.count_chunks()


@pytest.mark.server
def test_two_api_processes_on_one_chroma_server_see_each_others_writes(chroma_server: tuple[str, int], tmp_path: Path) -> None:
    """Each process has its own DATA_DIR (so its own index); both converge on what Chroma holds."""
    host, port = chroma_server
    common = {"chroma_host": host, "chroma_port": port, "collection": f"two{abs(hash(str(tmp_path))) % 10**8}"}
    writer_settings = make_settings(tmp_path / "a", **common)
    reader = open_store(make_settings(tmp_path / "b", **common))
    assert sparse_titles(reader, "treharne") == []
    [bridge, _library] = ingest(writer_settings, RECORDS, tmp_path)
    assert sparse_titles(reader, "treharne") == ["Harbour bridge reopens"]
    hybrid = HybridRetriever(store=reader, k=3, filters=Filters(outlet="Beta Post")).invoke("reading garden award")
    assert [d.metadata["title"] for d in hybrid] == ["Library wins award"]
    assert Newsdesk(writer_settings).store.delete(bridge)
    assert sparse_titles(reader, "treharne") == []
