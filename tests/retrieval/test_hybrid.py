"""Hybrid retrieval on the real embedded Chroma and the shipped MiniLM: fusion, filters, fresh BM25."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.desk import Newsdesk
from service.retrieval.filters import Filters
from service.retrieval.hybrid import HybridRetriever
from service.settings import Settings
from tests.conftest import make_settings

RECORDS = [
    {"title": "Harbour bridge reopens", "outlet": "Alpha Times", "published": "2024-01-10",
     "text": "The harbour bridge reopened on Monday after repairs to its cables. Engineer Olwen Tréharne led the work."},
    {"title": "Bridge tolls rise", "outlet": "Beta Post", "published": "2024-03-05",
     "text": "Tolls on the harbour bridge rise next month, the transport board said. Drivers will pay two dollars more."},
    {"title": "Library wins award", "outlet": "Alpha Times", "published": "2024-06-20",
     "text": "The city library won a national design award for its reading garden. Architects praised the light."},
]  # fmt: skip


def retrieve(desk: Newsdesk, query: str, **filters: object) -> list[str]:
    """Titles of the retrieved chunks, best first."""
    docs = HybridRetriever(store=desk.store, k=3, filters=Filters(**filters)).invoke(query)
    return [d.metadata["title"] for d in docs]


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> Newsdesk:
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS))
    desk = Newsdesk(settings)
    assert len(desk.ingestor.ingest_paths([path]).added) == 3
    return desk


def test_a_rare_name_is_found_and_ranked_first(desk: Newsdesk) -> None:
    assert retrieve(desk, "What did Olwen Tréharne do?")[0] == "Harbour bridge reopens"


def test_filters_by_outlet_article_and_date_range(desk: Newsdesk) -> None:
    assert set(retrieve(desk, "harbour bridge", outlet="Beta Post")) == {"Bridge tolls rise"}
    library = next(a.id for a in desk.store.list_articles() if a.title == "Library wins award")
    assert set(retrieve(desk, "harbour bridge", article_ids=[library])) == {"Library wins award"}
    assert set(retrieve(desk, "harbour bridge", date_from="2024-02-01")) == {"Bridge tolls rise", "Library wins award"}
    assert set(retrieve(desk, "harbour bridge", date_from="2024-01-01", date_to="2024-01-31")) == {"Harbour bridge reopens"}
    assert retrieve(desk, "harbour bridge", outlet="Nobody's Gazette") == []


def test_a_replaced_article_is_never_retrieved_in_its_old_version(desk: Newsdesk, tmp_path: Path) -> None:
    assert retrieve(desk, "cables repairs")[0] == "Harbour bridge reopens"
    # Same record of the same file, new text, same number of chunks: the store swaps one chunk for another.
    changed = dict(RECORDS[0], text="The harbour bridge stays shut for a week while divers inspect the pillars.")
    path = tmp_path / "news.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [changed, *RECORDS[1:]]))
    assert len(desk.ingestor.ingest_paths([path], replace=True).replaced) == 1
    docs = HybridRetriever(store=desk.store, k=3).invoke("cables repairs divers pillars")
    assert all("cables" not in d.page_content for d in docs)
    assert any("divers" in d.page_content for d in docs)


def test_stores_do_not_share_results(desk: Newsdesk, tmp_path: Path) -> None:
    assert retrieve(desk, "reading garden award")[0] == "Library wins award"
    other = Newsdesk(make_settings(tmp_path / "other"))
    path = tmp_path / "other.jsonl"
    ferries = [dict(r, title=f"Ferry {i}", text=f"Ferry route {i} changes its timetable in spring.") for i, r in enumerate(RECORDS)]
    path.write_text("\n".join(json.dumps(r) for r in ferries))
    assert len(other.ingestor.ingest_paths([path]).added) == 3  # as many chunks as the first store
    assert set(retrieve(other, "reading garden award")) <= {"Ferry 0", "Ferry 1", "Ferry 2"}
