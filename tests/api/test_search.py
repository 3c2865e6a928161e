"""``POST /v1/search`` on a real ``newsdesk serve`` over the seeds: ranked chunks with scores, filters, auth."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service.desk import Newsdesk
from tests.api.conftest import API_KEY

pytestmark = [pytest.mark.server]

QUERY = "Who greeted Blinken when he arrived in Beijing?"


def search(url: str, query: str = QUERY, **body: Any) -> httpx.Response:
    return httpx.post(f"{url}/v1/search", json={"query": query, **body}, timeout=60)


def test_ranked_chunks_with_scores_metadata_and_offsets(api_server: str, seeded_desk: Newsdesk) -> None:
    response = search(api_server, k=4)
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    assert [h["rank"] for h in hits] == [1, 2, 3, 4]
    # Both outlets' chunks that answer the demo question are near the top.
    assert {h["article"]["outlet"] for h in hits[:3] if "Qin Gang" in h["text"]} == {"Minute Mirror", "The New Daily"}
    fused = [h["scores"]["fused"] for h in hits]
    assert fused == sorted(fused, reverse=True)
    top = hits[0]["scores"]
    assert 0 < top["dense"] <= 1 and top["sparse"] > 0 and top["dense_rank"] >= 1 and top["sparse_rank"] >= 1
    for hit in hits:
        article = seeded_desk.store.get_article(hit["article"]["id"])
        assert article is not None and hit["article"]["title"] == article.title and hit["article"]["outlet"] == article.outlet
        assert article.text[hit["start"] : hit["end"]] == hit["text"]  # offsets point into the article


def test_filters_as_in_chat(api_server: str, seeded_desk: Newsdesk) -> None:
    only_mirror = search(api_server, filters={"outlet": "Minute Mirror"}).json()["hits"]
    assert only_mirror and {h["article"]["outlet"] for h in only_mirror} == {"Minute Mirror"}
    daily = next(a.id for a in seeded_desk.store.list_articles() if a.outlet == "The New Daily")
    one_article = search(api_server, filters={"article_ids": [daily]}).json()["hits"]
    assert one_article and {h["article"]["id"] for h in one_article} == {daily}
    # The seeds carry no publication date, so any date range leaves nothing.
    assert search(api_server, filters={"date_from": "2020-01-01"}).json()["hits"] == []


def test_a_new_article_is_searchable_at_once_and_gone_after_delete(api_server: str) -> None:
    story = {"title": "Quokka census", "text": "Rangers on Rottnest counted 12,000 quokkas this spring.", "outlet": "Island Post"}
    article_id = httpx.post(f"{api_server}/v1/articles", json={"articles": [story]}, timeout=60).json()["added"][0]["id"]
    try:
        hits = search(api_server, "quokkas Rottnest", k=3).json()["hits"]
        assert hits[0]["article"]["id"] == article_id and hits[0]["scores"]["sparse_rank"] == 1
    finally:
        assert httpx.delete(f"{api_server}/v1/articles/{article_id}").status_code == 204
    assert all(h["article"]["id"] != article_id for h in search(api_server, "quokkas Rottnest").json()["hits"])


def test_bad_requests_are_422(api_server: str) -> None:
    assert search(api_server, "").status_code == 422
    assert search(api_server, "   ").json()["error"] == {"code": "invalid_input", "message": "the query is empty"}
    assert search(api_server, k=0).status_code == 422
    assert search(api_server, "x" * 2001).status_code == 422


def test_needs_the_api_key_when_keys_are_set(strict_server: str) -> None:
    assert search(strict_server).status_code == 401
    response = httpx.post(
        f"{strict_server}/v1/search", json={"query": QUERY}, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=60
    )
    assert response.status_code == 200 and response.json()["hits"]
