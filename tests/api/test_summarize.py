"""``POST /v1/summarize`` on the real embedded model."""

from __future__ import annotations

import httpx
import pytest

pytestmark = [pytest.mark.server]


@pytest.mark.llm
def test_summary_of_one_article(api_server: str) -> None:
    story = {
        "title": "Storm closes Lindholm ferry",
        "text": "The ferry to Lindholm was cancelled on Friday because of a storm. "
        "Waves of five metres were measured near the harbour. The service will resume on Monday.",
        "outlet": "Coast News",
    }
    added = httpx.post(f"{api_server}/v1/articles", json={"articles": [story]}, timeout=60).json()
    article_id = added["added"][0]["id"]
    try:
        response = httpx.post(f"{api_server}/v1/summarize", json={"article_ids": [article_id]}, timeout=600)
    finally:
        httpx.delete(f"{api_server}/v1/articles/{article_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["prompt_version"].startswith("summary@") and body["model"] == "qwen2.5-coder-0.5b-instruct-q4"
    assert body["article_ids"] == [article_id]
    assert body["citations"] and all(c["article_id"] == article_id for c in body["citations"])
    assert "[1]" in body["text"]


def test_unknown_article_is_404(api_server: str) -> None:
    response = httpx.post(f"{api_server}/v1/summarize", json={"article_ids": ["nope"]}, timeout=60)
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "no article with id 'nope'"}
