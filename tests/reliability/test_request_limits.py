"""Requests a caller can fix are 4xx with a message saying what to do, never 500/503: a filter with
60,000 article ids, a question whose sources overflow the model's context window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from service.settings import Settings
from tests.api.conftest import ask, copy_data_dir, fake_app, newsdesk_serve, scripted
from tests.conftest import serve_in_thread

LLAMA_OVERFLOW = "Requested tokens (5120) exceed context window of 4096"


class OverflowingChat(GenericFakeChatModel):
    """Fails the way llama-cpp-python does when the prompt does not fit ``n_ctx``."""

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(LLAMA_OVERFLOW)

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        raise ValueError(LLAMA_OVERFLOW)


@pytest.fixture
def data_dir(seeded_settings: Settings, tmp_path: Path) -> Path:
    return copy_data_dir(seeded_settings, tmp_path / "data")


def test_sixty_thousand_article_ids_are_a_422(data_dir: Path) -> None:
    ids = [f"{n:016x}" for n in range(60_000)]
    with serve_in_thread(fake_app(data_dir, scripted())) as url:
        response = httpx.post(f"{url}/v1/chat", json=ask(filters={"article_ids": ids}), timeout=60)
    assert response.status_code == 422, response.text
    assert "60000 values; the limit is 1000 (NEWSDESK_MAX_ARTICLE_IDS)" in response.json()["error"]["message"]


@pytest.mark.parametrize("stream", [False, True])
def test_a_context_overflow_is_a_422_that_says_what_to_do(data_dir: Path, stream: bool) -> None:
    with serve_in_thread(fake_app(data_dir, OverflowingChat(messages=iter([])))) as url:
        response = httpx.post(f"{url}/v1/chat", json=ask(stream=stream), timeout=60)
    body = response.text
    if stream:  # the status went out with the first byte; the error is the stream's last event
        assert "context_overflow" in body and "ask a shorter question" in body, body
    else:
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "context_overflow"
        assert "ask a shorter question" in response.json()["error"]["message"]


@pytest.mark.llm
@pytest.mark.server
def test_the_real_model_overflowing_its_window_is_a_422(seeded_settings: Settings, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seeded_settings, tmp_path / "data")
    with newsdesk_serve(data_dir, local_n_ctx="256") as url:
        response = httpx.post(f"{url}/v1/chat", json=ask(), timeout=120)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "context_overflow"
