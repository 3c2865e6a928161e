"""One mention through everything real: uvicorn, the API app, Chroma, the embedded model, verified quotes."""

from __future__ import annotations

import pytest

from service.api.app import create_app
from service.desk import Newsdesk
from service.settings import Settings
from tests.conftest import serve_in_thread
from tests.slack.conftest import event_body, mention, poster, with_slack
from tests.slack.fake_slack import FakeSlack

pytestmark = [pytest.mark.llm, pytest.mark.server]


def test_a_mention_gets_a_cited_answer_from_the_embedded_model(seeded_settings: Settings, fake_slack: FakeSlack) -> None:
    settings = with_slack(seeded_settings, fake_slack).model_copy(update={"request_timeout_s": 300.0})
    with serve_in_thread(create_app(desk=Newsdesk(settings))) as base_url:
        event = mention("Who greeted Blinken when he arrived in Beijing?", ts="1700000000.000100")
        assert poster(base_url)(event_body(event)).status_code == 200
        (posted,) = fake_slack.wait_for("chat.postMessage", timeout=400)

    assert posted["channel"] == "C0001" and posted["thread_ts"] == "1700000000.000100"
    sections = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert "[1]" in posted["text"]
    sources = next(t for t in sections if t.startswith("*Sources*"))
    assert "*[1]*" in sources and "\n> “" in sources  # a numbered source with its verified quote
    assert any(outlet in sources for outlet in ("Minute Mirror", "The New Daily"))
    context = next(b for b in posted["blocks"] if b["type"] == "context")["elements"][0]["text"]
    assert "answer@v3" in context and settings.local_model in context
    assert len(fake_slack.wait_for("reactions.remove")) == 1


def test_slash_summarize_posts_a_cited_summary_from_the_embedded_model(seeded_settings: Settings, fake_slack: FakeSlack) -> None:
    settings = with_slack(seeded_settings, fake_slack).model_copy(update={"request_timeout_s": 300.0})
    command = {
        "command": "/newsdesk",
        "text": "summarize high-stakes mission",  # title words of the Minute Mirror article
        "user_id": "UALICE",
        "channel_id": "C0002",
        "response_url": fake_slack.response_url(),
    }
    with serve_in_thread(create_app(desk=Newsdesk(settings))) as base_url:
        assert poster(base_url)(command, form=True).json()["text"] == "Working on it…"
        (posted,) = fake_slack.wait_for("chat.postMessage", timeout=400)

    sections = [b["text"]["text"] for b in posted["blocks"] if b["type"] == "section"]
    assert sections[0] == "<@UALICE> asked for a summary of high-stakes mission"
    # Written and checked, or (when no written sentence passes the check) the key sentences quoted.
    assert "• " in sections[1] and "[1]" in sections[1]
    sources = next(t for t in sections if t.startswith("*Sources*"))
    assert "Minute Mirror" in sources and "The New Daily" not in sources
    context = next(b for b in posted["blocks"] if b["type"] == "context")["elements"][0]["text"]
    assert settings.summary_prompt in context and settings.local_model in context
