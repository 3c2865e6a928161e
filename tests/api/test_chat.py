"""``POST /v1/chat`` on the real embedded model, whole and streamed."""

from __future__ import annotations

import json

import httpx
import pytest

from service.desk import Newsdesk
from tests.api.conftest import ask, sse_events

pytestmark = [pytest.mark.server, pytest.mark.llm]
QUESTION = "Who greeted Blinken when he arrived in Beijing?"


def _check_citations(body: dict, desk: Newsdesk) -> None:
    assert body["citations"], body
    for c in body["citations"]:
        assert f"[{c['id']}]" in body["answer"]
        article = desk.store.get_article(c["article_id"])
        assert article is not None and article.title == c["title"]
        assert article.text[c["start"] : c["end"]] == c["quote"]  # offsets point at the verbatim quote


def test_answer_with_verified_citations(api_server: str, seeded_desk: Newsdesk) -> None:
    response = httpx.post(f"{api_server}/v1/chat", json=ask(QUESTION), timeout=300)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body["abstained"]
    _check_citations(body, seeded_desk)
    assert body["prompt_version"] == "answer@v3"
    assert body["model"] == "qwen2.5-coder-0.5b-instruct-q4"
    assert body["usage"]["completion_tokens"] > 0 and body["timings"]["total_s"] > 0
    assert all(not s["unsupported"] for s in body["sentences"]) == (body["unsupported"] == [])


def test_stream_sends_text_then_sources_once(api_server: str, seeded_desk: Newsdesk) -> None:
    with httpx.stream("POST", f"{api_server}/v1/chat", json=ask(QUESTION, stream=True), timeout=300) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(sse_events(response.iter_lines()))
    names = [name for name, _ in events]
    assert names.count("answer") == 1 and names[-1] == "answer", names
    assert set(names[:-1]) == {"token"}, names
    streamed = "".join(json.loads(data)["text"] for name, data in events if name == "token")
    final = json.loads(events[-1][1])
    _check_citations(final, seeded_desk)
    # The stream is the model's draft; the final answer is that text, verified, with markers added.
    assert streamed.split()[:3] == final["sentences"][0]["text"].split()[:3]
