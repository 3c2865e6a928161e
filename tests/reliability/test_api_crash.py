"""The API process SIGKILLed at random points while it ingests the same 30 articles ten times (and
Chroma killed once): afterwards every article is stored exactly once, whole, and listed."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
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

ROUNDS = 10  # ingests of the same 30 articles; the last one runs to its end
API_KILLS = 5  # rounds, chosen at random, in which the API process is SIGKILLed at a random moment
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
    """`newsdesk serve` against the Chroma server; the next process starts early, so a restart costs little."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.spare = self._spawn()
        self.current = self._take_spare()

    def _spawn(self) -> tuple[subprocess.Popen, str]:
        port = free_port()
        with self.log.open("ab") as out:
            proc = subprocess.Popen(
                [str(BIN / "newsdesk"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=newsdesk_env(self.env), stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return proc, f"http://127.0.0.1:{port}"

    def _take_spare(self) -> tuple[subprocess.Popen, str]:
        proc, url = self.spare
        wait_http(f"{url}/healthz", proc, timeout=60)
        self.spare = self._spawn()
        return proc, url

    def restart(self) -> None:
        """After the current process was killed: the spare takes over."""
        self.current[0].wait()
        self.current = self._take_spare()

    def close(self) -> None:
        for proc, _ in (self.current, self.spare):
            proc.kill()
            proc.wait()


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
    body, expected = {"articles": articles()}, expected_chunks()
    api_killed_in = set(rng.sample([r for r in range(ROUNDS - 1) if r != CHROMA_KILLED_IN], API_KILLS))
    outcomes: list[str] = []
    with ExitStack() as stack, ThreadPoolExecutor(1) as pool:
        chroma = stack.enter_context(chroma_run(chroma_data, chroma_port, chroma_log))
        api = Api(env, tmp_path / "api.log")
        stack.callback(api.close)
        for round_ in range(ROUNDS):
            proc, url = api.current
            for article_id in rng.sample(sorted(expected), 10):  # so that every ingest has writes to interrupt
                httpx.delete(f"{url}/v1/articles/{article_id}", timeout=30)  # 404 if a cut-short ingest never wrote it
            sent = pool.submit(httpx.post, f"{url}/v1/articles", json=body, timeout=60)
            if round_ in api_killed_in or round_ == CHROMA_KILLED_IN:
                time.sleep(rng.uniform(0.0, 0.3))  # the random point of the kill, while batched ingest (~0.5 s) runs
                (chroma if round_ == CHROMA_KILLED_IN else proc).send_signal(signal.SIGKILL)
            try:
                response = sent.result(timeout=120)
                outcomes.append(f"{response.status_code}: {response.text[:200]}")
            except httpx.HTTPError as exc:
                outcomes.append(type(exc).__name__)
            if round_ == CHROMA_KILLED_IN:
                chroma.wait()
                chroma = stack.enter_context(chroma_run(chroma_data, chroma_port, chroma_log))
            if round_ in api_killed_in:
                api.restart()
        final, listed = response.json(), httpx.get(f"{api.current[1]}/v1/articles", timeout=30).json()
        client = chromadb.HttpClient(host="127.0.0.1", port=chroma_port)
        records = client.get_collection("newsdesk_articles").get(include=["metadatas"])
        chunks = client.get_collection("newsdesk_chunks").get(include=["metadatas"])

    assert final["errors"] == [], (outcomes, tail(tmp_path / "api.log"))
    assert any(o.startswith("503") or "Error" in o for o in outcomes), outcomes  # some rounds really were cut short
    assert len(expected) == 30 and set(expected.values()) == {1}
    # Listed = stored = the 30 articles, each once, each with its one chunk; no orphan or duplicate chunk.
    assert sorted(a["id"] for a in listed) == sorted(records["ids"]) == sorted(expected), outcomes
    assert all(m["chunk_count"] == 1 for m in records["metadatas"])
    assert sorted(m["article_id"] for m in chunks["metadatas"]) == sorted(expected), tail(chroma_log)
    print("outcomes per round:", *(o[:60] for o in outcomes), sep="\n  ")
