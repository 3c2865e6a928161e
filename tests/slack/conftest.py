"""Slack test kit: the fake Slack API, signed requests, a real uvicorn on loopback, a stub desk."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import SecretStr

from service.api.app import create_app
from service.chains.answer import Answer
from service.chains.summarize import Bullet, Summary
from service.chains.summary_model import Cancelled
from service.citations.verify import Citation
from service.settings import Settings
from service.store.chroma import StoredArticle
from tests.conftest import serve_in_thread
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack

BOT_TOKEN = "xoxb-test-bot-token-1234"
SIGNING_SECRET = "test-signing-secret-5678"
APP_TOKEN = "xapp-test-app-token-9012"

CITATION = Citation(
    n=1,
    source=1,
    article_id="art-1",
    title="Blinken in Beijing",
    outlet="Minute Mirror",
    chunk_id="art-1:0",
    quote="Blinken was greeted by Yang Tao, a senior official.",
    start=10,
    end=61,
)


def canned_answer(question: str = "Who greeted Blinken?") -> Answer:
    return Answer(
        question=question,
        standalone_question=question,
        text="Yang Tao greeted Blinken [1].",
        abstained=False,
        sentences=[],
        citations=[CITATION],
        sources=[],
        prompt_version="answer@v1",
        model="fake-model",
    )


class StubDesk:
    """Stands in for ``Newsdesk``: records what it was asked, answers from a can, can fail or hold."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # What the API app's start-up warm-up touches.
        self.embeddings = DeterministicFakeEmbedding(size=8)
        self.llm = FakeListChatModel(responses=["OK"])
        self.asked: list[list[dict[str, str]]] = []
        self.summarized: list[list[str] | None] = []
        self.error: Exception | None = None
        self.release = threading.Event()
        self.release.set()
        self.summary_ended = threading.Event()  # a summarize call has returned or raised
        self.store = self
        self.articles = [
            StoredArticle("art-1", "Blinken in Beijing", "Minute Mirror", None, None, "seeds/a.txt", 3),
            StoredArticle("art-2", "Blinken begins rare China trip", "BBC", None, None, "seeds/b.txt", 3),
        ]

    def list_articles(self) -> list[StoredArticle]:
        return self.articles

    def _work(self) -> None:
        assert self.release.wait(20), "the test never released the stub desk"
        if self.error:
            raise self.error

    def answerer(self, prompt_ref: str | None = None) -> StubDesk:
        return self

    def stream(self, messages: list[dict[str, str]], filters: Any = None) -> Iterator[str | Answer]:
        self.asked.append(messages)
        self._work()
        yield "Yang Tao greeted Blinken."
        yield canned_answer(messages[-1]["content"])

    def summarizer(self, prompt_ref: str | None = None) -> StubDesk:
        return self

    def summarize(
        self, article_ids: list[str] | None = None, max_sentences: int | None = None, stop: threading.Event | None = None
    ) -> Summary:
        """Like ``Summarizer.summarize``: held until released, or until ``stop`` is set (then ``Cancelled``)."""
        self.summarized.append(article_ids)
        try:
            while stop is not None and not self.release.wait(0.02):
                if stop.is_set():
                    raise Cancelled("the summary was stopped")
            self._work()
        finally:
            self.summary_ended.set()
        return Summary(
            article_ids=article_ids or ["art-1"],
            bullets=[Bullet("Blinken was greeted by Yang Tao.", [1], ["Minute Mirror"], "article")],
            citations=[CITATION],
            prompt_version="summary@v1",
            model="fake-model",
        )


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def with_slack(settings: Settings, fake: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_app_token": SecretStr(APP_TOKEN),
            "slack_api_url": fake.api_url,
            "request_timeout_s": 10.0,
        }
    )


@pytest.fixture
def slack_settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    return with_slack(settings, fake_slack)


@pytest.fixture
def desk(slack_settings: Settings) -> StubDesk:
    return StubDesk(slack_settings)


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


Post = Callable[..., httpx.Response]


def poster(base_url: str) -> Post:
    def post(
        payload: dict[str, Any],
        *,
        form: bool = False,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A signed POST to /slack/events, JSON (events) or form-encoded (commands, clicks)."""
        if form:
            body, content_type = urllib.parse.urlencode(payload), "application/x-www-form-urlencoded"
        else:
            body, content_type = json.dumps(payload), "application/json"
        all_headers = {"Content-Type": content_type, **sign(body, timestamp, secret), **(headers or {})}
        return httpx.post(f"{base_url}/slack/events", content=body, headers=all_headers, timeout=10)

    return post


def event_body(event: dict[str, Any], event_id: str = "Ev0001") -> dict[str, Any]:
    return {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def mention(text: str = "Who greeted Blinken?", ts: str = "1700000000.000100", **extra: Any) -> dict[str, Any]:
    event = {"type": "app_mention", "user": "UALICE", "text": f"<@{BOT_USER_ID}> {text}", "channel": "C0001"}
    return {**event, "ts": ts, "event_ts": ts, **extra}


@pytest.fixture
def slack_url(desk: StubDesk) -> Iterator[str]:
    """The API app served by uvicorn, with the stub desk behind it."""
    with serve_in_thread(create_app(desk=desk)) as base_url:  # type: ignore[arg-type]
        yield base_url


@pytest.fixture
def post(slack_url: str) -> Post:
    """Signed POSTs to /slack/events."""
    return poster(slack_url)
