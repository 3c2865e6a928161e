"""The API process SIGKILLed at random points while it ingests the same 30 articles ten times (and
Chroma killed once): afterwards every article is stored exactly once, whole, and listed."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import chromadb
import httpx
import pytest

from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.models import RawArticle
from service.settings import Settings
from tests.conftest import BIN, free_port, wait_http
from tests.deploy.processes import chroma_run, newsdesk_env, tail

pytestmark = [pytest.mark.server]

ROUNDS = 10
CHROMA_KILLED_IN = 4


def articles() -> list[dict[str, str]]:
    """30 one-chunk articles; every third has a URL (identity by URL), the others are identified by content."""
    out = []
    for i in range(30):
        article = {
            "title": f"Harbour report {i}",
            "text": f"Report {i}: the harbour board met on day {i} and approved {i * 7} berths.",
        }
        if i % 3 == 0:
            article["url"] = f"https://news.test/harbour/{i}"
        out.append(article)
    return out


def expected_chunks() -> dict[str, int]:
    splitter = make_splitter(Settings().chunk_size, Settings().chunk_overlap)
    cleaned = [clean(RawArticle(source="", body=a["text"], title=a["title"], url=a.get("url"))) for a in articles()]
    return {a.id: len(chunk_article(a, splitter)) for a in cleaned}


class Api:
    """`newsdesk serve` against the Chroma server, with the next process started early (start-up overlaps the ingest)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.spare = self._spawn()

    def _spawn(self) -> tuple[subprocess.Popen, str]:
        port = free_port()
        with self.log.open("ab") as out:
            proc = subprocess.Popen(
                [str(BIN / "newsdesk"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=newsdesk_env(self.env), stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return proc, f"http://127.0.0.1:{port}"

    @contextmanager
    def next(self) -> Iterator[tuple[subprocess.Popen, str]]:
        proc, url = self.spare
        wait_http(f"{url}/healthz", proc, timeout=60)
        self.spare = self._spawn()
        try:
            yield proc, url
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def close(self) -> None:
        self.spare[0].kill()
        self.spare[0].wait()


def test_sigkill_api_and_chroma_during_repeated_ingests(tmp_path: Path) -> None:
    rng = random.Random(14)
    chroma_port, chroma_data, chroma_log = free_port(), tmp_path / "chroma", tmp_path / "chroma.log"
    env = {
        "NEWSDESK_DATA_DIR": str(tmp_path / "newsdesk"),
        "NEWSDESK_CHROMA_HOST": "127.0.0.1",
        "NEWSDESK_CHROMA_PORT": str(chroma_port),
        "NEWSDESK_CHROMA_TIMEOUT_S": "5",
        "NEWSDESK_EMBEDDING_BATCH_SIZE": "2",  # a commit every ~8 articles: many points to be killed between
        "NEWSDESK_CHAT_PROVIDER": "openai_compatible",  # ingestion needs no chat model; nothing listens here
        "NEWSDESK_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
    }
    body = {"articles": articles()}
    outcomes: list[str] = []
    with ExitStack() as stack, ThreadPoolExecutor(1) as pool:
        chroma = stack.enter_context(chroma_run(chroma_data, chroma_port, chroma_log))
        api = Api(env, tmp_path / "api.log")
        stack.callback(api.close)
        for round_ in range(ROUNDS):
            with api.next() as (proc, url):
                sent = pool.submit(httpx.post, f"{url}/v1/articles", json=body, timeout=60)
                if round_ < ROUNDS - 1:  # the last ingest runs to its end
                    time.sleep(rng.uniform(0.0, 2.0))  # the random point of the kill
                    (chroma if round_ == CHROMA_KILLED_IN else proc).send_signal(signal.SIGKILL)
                try:
                    response = sent.result(timeout=120)
                    outcomes.append(f"{response.status_code}: {response.text[:200]}")
                except httpx.HTTPError as exc:
                    outcomes.append(type(exc).__name__)
                if round_ == CHROMA_KILLED_IN:
                    chroma.wait()
                    chroma = stack.enter_context(chroma_run(chroma_data, chroma_port, chroma_log))
                if round_ == ROUNDS - 1:
                    final, listed = response.json(), httpx.get(f"{url}/v1/articles", timeout=30).json()
        client = chromadb.HttpClient(host="127.0.0.1", port=chroma_port)
        records = client.get_collection("newsdesk_articles").get(include=["metadatas"])
        chunks = client.get_collection("newsdesk_chunks").get(include=["metadatas"])

    assert final["errors"] == [], (outcomes, tail(tmp_path / "api.log"))
    assert any(o.startswith("503") or "Error" in o for o in outcomes), outcomes  # some rounds really were cut short
    expected = expected_chunks()
    assert len(expected) == 30 and set(expected.values()) == {1}
    # Listed = stored = the 30 articles, each once, each with its one chunk; no orphan or duplicate chunk.
    assert sorted(a["id"] for a in listed) == sorted(records["ids"]) == sorted(expected), outcomes
    assert all(m["chunk_count"] == 1 for m in records["metadatas"])
    assert sorted(m["article_id"] for m in chunks["metadatas"]) == sorted(expected), tail(chroma_log)
    print("outcomes per round:", *outcomes, sep="\n  ")
