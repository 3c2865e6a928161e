"""The model server down, then slow, then back, behind one running `newsdesk serve`: the API answers
503 and then 504 as JSON within its timeouts, and cited answers again once the real server is back."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from service.settings import Settings
from tests.api.conftest import copy_data_dir
from tests.conftest import free_port, wait_ready
from tests.deploy.processes import llama_server, newsdesk_serve, tail

pytestmark = [pytest.mark.server, pytest.mark.llm]

QUESTION = {"messages": [{"role": "user", "content": "Who greeted Blinken when he arrived in Beijing?"}]}
# Per model call, between two bytes of the reply (the OpenAI client tries twice): long enough for the
# real model's first token on a busy CPU, far shorter than the slow server's silence.
LLM_TIMEOUT_S = 20.0
REQUEST_TIMEOUT_S = 120.0  # the API's own deadline for a request, queueing included


class _SlowHandler(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that takes ``server.delay_s`` to answer anything."""

    server: _SlowServer

    def do_GET(self) -> None:
        self._reply({"object": "list", "data": [{"id": "slow", "object": "model"}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.server.closing.wait(self.server.delay_s):
            return
        self._reply({"object": "chat.completion", "model": "slow", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": '{"sentences": []}'}}
        ]})  # fmt: skip

    def _reply(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


class _SlowServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, delay_s: float) -> None:
        super().__init__(("127.0.0.1", port), _SlowHandler)
        self.delay_s = delay_s
        self.closing = threading.Event()


@contextmanager
def slow_model_server(port: int, delay_s: float) -> Iterator[None]:
    server = _SlowServer(port, delay_s)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def timed_chat(url: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(f"{url}/v1/chat", json=QUESTION, timeout=REQUEST_TIMEOUT_S + 30)
    return response, time.monotonic() - started


def test_model_down_slow_then_back(seeded_settings: Settings, local_gguf: Path, tmp_path: Path) -> None:
    model_port, api_port = free_port(), free_port()
    env = {
        "NEWSDESK_DATA_DIR": str(copy_data_dir(seeded_settings, tmp_path / "data")),
        "NEWSDESK_HOST": "127.0.0.1",
        "NEWSDESK_PORT": str(api_port),
        "NEWSDESK_CHAT_PROVIDER": "openai_compatible",
        "NEWSDESK_OPENAI_BASE_URL": f"http://127.0.0.1:{model_port}/v1",
        "NEWSDESK_CHAT_MODEL": "local-qwen",
        "NEWSDESK_JSON_DIALECT": "json_object",
        "NEWSDESK_LLM_TIMEOUT_S": str(LLM_TIMEOUT_S),
        "NEWSDESK_REQUEST_TIMEOUT_S": str(REQUEST_TIMEOUT_S),
    }
    url, log = f"http://127.0.0.1:{api_port}", tmp_path / "api.log"
    with newsdesk_serve(env, log) as api:
        try:
            # 1. Nothing listens on the model's address: 503 at once.
            response, seconds = timed_chat(url)
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "unavailable" and "unreachable" in error["message"], error
            assert seconds < REQUEST_TIMEOUT_S
            not_ready = httpx.get(f"{url}/readyz", timeout=30)
            assert not_ready.status_code == 503 and not_ready.json()["error"]["code"] == "not_ready"

            # 2. A model server that never answers in time: 504 once the model timeout runs out.
            with slow_model_server(model_port, delay_s=600):
                response, seconds = timed_chat(url)
            assert response.status_code == 504, response.text
            error = response.json()["error"]
            assert error["code"] == "timeout" and "did not answer in time" in error["message"], error
            assert LLM_TIMEOUT_S <= seconds < REQUEST_TIMEOUT_S

            # 3. The real model server comes up on that address: ready again, and a cited answer.
            with llama_server(local_gguf, model_port, env["NEWSDESK_CHAT_MODEL"], tmp_path / "llm.log"):
                wait_ready(url)
                response, seconds = timed_chat(url)
            assert response.status_code == 200, response.text
            answer = response.json()
            assert not answer["abstained"] and answer["citations"], answer
            assert api.poll() is None
        except Exception:
            print(f"--- api.log\n{tail(log)}")
            raise
