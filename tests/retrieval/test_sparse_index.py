"""The tantivy sparse index on its own: BM25 ranking, replace and delete, filters, two processes on one folder."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from service.retrieval.filters import Filters
from service.retrieval.terms import tokenize
from service.store.sparse import SparseChunk, SparseIndex


def chunk(cid: str, text: str, outlet: str = "Alpha Times", day: int = 20240110) -> SparseChunk:
    return SparseChunk(cid, text, {"article_id": cid.split(":")[0], "outlet": outlet, "published_day": day, "title": cid})


CHUNKS = [
    chunk("bridge:0000", "The harbour bridge reopened after repairs. Engineer Olwen Tréharne led the work."),
    chunk("tolls:0000", "Tolls on the harbour bridge rise next month.", outlet="Beta Post", day=20240305),
    chunk("library:0000", "The city library won a design award for its reading garden.", day=20240620),
]


@pytest.fixture
def index(tmp_path: Path) -> SparseIndex:
    index = SparseIndex(tmp_path / "sparse")
    index.upsert(CHUNKS)
    return index


def ids(index: SparseIndex, query: str, **filters: object) -> list[str]:
    return [h.chunk.id for h in index.search(tokenize(query), 10, Filters(**filters).where())]


def test_ranks_by_bm25_and_folds_accents(index: SparseIndex) -> None:
    assert ids(index, "treharne") == ["bridge:0000"]
    assert ids(index, "harbour bridge tolls")[0] == "tolls:0000"  # matches three of the words, not two
    [hit] = index.search(["garden"], 10)
    assert hit.chunk == CHUNKS[2] and hit.score > 0  # text and metadata come back as written
    assert ids(index, "ferry timetable") == []


def test_replace_and_delete(index: SparseIndex) -> None:
    index.upsert([chunk("bridge:0000", "The bridge stays shut while divers inspect the pillars.")])
    assert index.count() == 3
    assert ids(index, "repairs treharne") == [] and ids(index, "divers") == ["bridge:0000"]
    index.delete_article("tolls")
    index.delete_ids(["library:0000"])
    assert index.ids() == {"bridge:0000"}


def test_filters_as_chat_applies_them(index: SparseIndex) -> None:
    assert ids(index, "harbour bridge", outlet="Beta Post") == ["tolls:0000"]
    assert ids(index, "harbour bridge library", article_ids=["library", "tolls"]) == ["tolls:0000", "library:0000"]
    assert set(ids(index, "harbour bridge library", date_from="2024-02-01")) == {"tolls:0000", "library:0000"}
    assert ids(index, "harbour bridge library", date_from="2024-01-01", date_to="2024-01-31") == ["bridge:0000"]
    assert ids(index, "harbour bridge", outlet="Alpha Times", date_to="2024-03-31") == ["bridge:0000"]
    assert ids(index, "harbour bridge", outlet="Nobody's Gazette") == []


def test_reopening_keeps_the_index(index: SparseIndex) -> None:
    assert SparseIndex(index.path).ids() == {c.id for c in CHUNKS}


def test_an_unreadable_index_starts_empty(index: SparseIndex) -> None:
    (index.path / "meta.json").write_text("not json")
    assert SparseIndex(index.path).count() == 0  # the store then refills it from Chroma


_OTHER_PROCESS = textwrap.dedent(
    """
    import sys, tantivy
    from pathlib import Path
    from service.store.sparse import SparseIndex, SparseChunk, _WRITER_HEAP
    index = SparseIndex(Path(sys.argv[1]))
    writer = index._index.writer(_WRITER_HEAP, 1)  # hold the writer lock until told to go on
    writer.add_document(tantivy.Document(id="half:0000", text="half written"))
    print("locked", flush=True)
    sys.stdin.readline()
    writer.commit()
    writer.wait_merging_threads()
    index.upsert([SparseChunk("ferry:0000", "The ferry timetable changes in spring.", {"article_id": "ferry"})])
    """
)


def test_two_processes_share_one_folder(index: SparseIndex) -> None:
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS, str(index.path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdin is not None
        assert other.stdout.readline().strip() == "locked"
        writing = threading.Thread(target=index.upsert, args=([chunk("museum:0000", "The museum opens a new wing.")],))
        writing.start()
        writing.join(timeout=0.5)
        assert writing.is_alive(), "a write must wait for the other process's writer lock, not fail"
        other.stdin.write("go\n")
        other.stdin.flush()
        writing.join(timeout=30)
        assert not writing.is_alive()
        assert other.wait(timeout=30) == 0
    finally:
        other.kill()
    index.refresh()
    assert {"museum:0000", "ferry:0000"} <= index.ids()
    assert ids(index, "ferry timetable") == ["ferry:0000"]


def test_a_writer_killed_mid_write_leaves_no_lock_and_no_half_write(index: SparseIndex) -> None:
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS, str(index.path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert other.stdout is not None and other.stdout.readline().strip() == "locked"
    other.kill()
    other.wait(timeout=30)
    index.upsert([chunk("museum:0000", "The museum opens a new wing.")])  # the lock died with its process
    index.refresh()
    assert index.ids() == {c.id for c in CHUNKS} | {"museum:0000"}  # nothing of the uncommitted write
