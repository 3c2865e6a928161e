"""`newsdesk serve --workers N`: several processes on one port. They need a Chroma server (embedded
Chroma's vector index lives in one process); each request finds what any worker stored; /metrics,
whichever worker answers it, counts every worker's requests."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import BIN, SEEDS, free_port
from tests.deploy.processes import newsdesk_env, running, tail
from tests.deploy.test_replicas import metric

pytestmark = [pytest.mark.server]

SEARCHES = 20


def test_workers_without_a_chroma_server_are_refused(tmp_path: Path) -> None:
    env = {"NEWSDESK_DATA_DIR": str(tmp_path), "NEWSDESK_PORT": str(free_port()), "COLUMNS": "200"}
    result = subprocess.run(
        [str(BIN / "newsdesk"), "serve", "--workers", "2"], env=newsdesk_env(env), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: 2 workers need a Chroma server (NEWSDESK_CHROMA_HOST): embedded Chroma serves one process, "
        "and a worker would not find what another one stored"
    ]


def test_two_workers_serve_one_store_and_one_set_of_metrics(tmp_path: Path, chroma_server: tuple[str, int]) -> None:
    host, port = chroma_server
    api_port, log = free_port(), tmp_path / "api.log"
    env = {
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "NEWSDESK_PORT": str(api_port),
        "NEWSDESK_CHROMA_HOST": host,
        "NEWSDESK_CHROMA_PORT": str(port),
        "NEWSDESK_COLLECTION": f"workers{abs(hash(str(tmp_path))) % 10**8}",
        # No model is needed to store and search: a model server nobody runs, so no worker loads one.
        "NEWSDESK_CHAT_PROVIDER": "openai_compatible",
        "NEWSDESK_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
    }
    url = f"http://127.0.0.1:{api_port}"
    args = [str(BIN / "newsdesk"), "serve", "--workers", "2"]
    with running(args, log, f"{url}/healthz", env=newsdesk_env(env)):
        deadline = time.monotonic() + 120
        while log.read_text().count("Application startup complete") < 2:  # both workers accept connections
            assert time.monotonic() < deadline, tail(log)
            time.sleep(0.1)
        seed = sorted(SEEDS.glob("*.txt"))[1]
        with seed.open("rb") as f:
            added = httpx.post(f"{url}/v1/articles", files={"file": (seed.name, f)}, timeout=120)
        assert added.status_code == 200, added.text
        article = added.json()["added"][0]["id"]

        for _ in range(SEARCHES):  # a new connection each: the workers share them out
            hits = httpx.post(f"{url}/v1/search", json={"query": "Qin Gang greeted Blinken", "k": 3}, timeout=30).json()["hits"]
            assert hits[0]["article"]["id"] == article and hits[0]["scores"]["sparse"] is not None

        counted = [metric(url, "newsdesk_http_requests_total", method="POST", route="/v1/search", status="200") for _ in range(10)]
    assert counted == [SEARCHES] * 10, tail(log)
