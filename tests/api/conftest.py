"""API test fixtures: real ``newsdesk serve`` processes on copies of the seeded data dir, and
in-process apps on a scripted chat model served by uvicorn in a thread (for timing-sensitive cases)."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from service.api.app import create_app
from service.desk import Newsdesk
from service.settings import Settings
from tests.conftest import BIN, free_port, stop, suite_env, wait_http, wait_ready

QUESTION = "When did Blinken arrive in Beijing?"
DRAFT = json.dumps({"sentences": [{"text": "Antony Blinken arrived in Beijing on Sunday.", "sources": [1]}]})
API_KEY = "test-key-123"


def ask(question: str = QUESTION, **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": question}], **extra}


class ScriptedChat(GenericFakeChatModel):
    """Always drafts the same cited sentence, word by word, ``delay_s`` apart; ``fail`` raises instead."""

    delay_s: float = 0.0
    fail: bool = False

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        if self.fail:
            raise RuntimeError("secret internal detail")
        for chunk in super()._stream(*args, **kwargs):
            time.sleep(self.delay_s)
            yield chunk


def scripted(**kwargs: Any) -> ScriptedChat:
    return ScriptedChat(messages=itertools.cycle([DRAFT]), **kwargs)


def copy_data_dir(source: Settings, target: Path) -> Path:
    """A private copy of a data dir (Chroma files copied, model files still linked)."""
    shutil.copytree(source.data_dir, target, symlinks=True)
    return target


def fake_app(data_dir: Path, llm: Any, **overrides: Any) -> FastAPI:
    desk = Newsdesk(Settings(data_dir=data_dir, **overrides), llm=llm)  # no real model in these apps
    return create_app(desk=desk)


@contextmanager
def newsdesk_serve(data_dir: Path, ready: bool = True, **settings: str) -> Iterator[str]:
    """``newsdesk serve`` in a subprocess; settings as NEWSDESK_* env vars; output in DATA_DIR/server.log."""
    port = free_port()
    env = suite_env()
    env |= {"NEWSDESK_DATA_DIR": str(data_dir), **{f"NEWSDESK_{k.upper()}": v for k, v in settings.items()}}
    url = f"http://127.0.0.1:{port}"
    with (data_dir / "server.log").open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "newsdesk"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_http(f"{url}/healthz", proc, timeout=120)
            if ready:
                wait_ready(url, proc)
            yield url
            assert proc.poll() is None, "the server died during the tests"
        finally:
            stop(proc)


@pytest.fixture(scope="session")
def api_server(seeded_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One open server on the real embedded model, shared by the whole session."""
    data_dir = copy_data_dir(seeded_settings, tmp_path_factory.mktemp("api") / "data")
    with newsdesk_serve(data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def strict_server(seeded_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """API keys on, no queue, a 2 s deadline: a second request is turned away, a long one times out."""
    data_dir = copy_data_dir(seeded_settings, tmp_path_factory.mktemp("strict") / "data")
    with newsdesk_serve(data_dir, api_keys=json.dumps([API_KEY]), queue_size="0", request_timeout_s="2") as url:
        yield url


@pytest.fixture(scope="session")
def broken_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Chroma server unreachable (nothing listens on its port) and no such chat model."""
    data_dir = tmp_path_factory.mktemp("broken")
    settings = {"chroma_host": "127.0.0.1", "chroma_port": str(free_port()), "local_model": "no-such-model"}
    with newsdesk_serve(data_dir, ready=False, **settings) as url:
        yield url


@pytest.fixture
def fake_data_dir(seeded_settings: Settings, tmp_path: Path) -> Path:
    return copy_data_dir(seeded_settings, tmp_path / "data")


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs from Server-Sent Events lines."""
    event, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
