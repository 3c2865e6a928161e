"""Chroma killed (SIGKILL) in the middle of `newsdesk ingest`: after a restart on the same data,
ingesting again leaves every article whole, with no duplicate, orphan or missing chunk."""

from __future__ import annotations

import random
import re
import signal
import subprocess
import time
from pathlib import Path

import chromadb
import pytest

from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.loaders import load_file
from service.settings import Settings
from tests.conftest import BIN, SEEDS, free_port
from tests.deploy.processes import chroma_run, newsdesk_env, tail

pytestmark = [pytest.mark.server]

ARTICLES = 200


def write_articles(folder: Path, count: int, seed: int = 7) -> None:
    """``count`` distinct articles of one to three chunks, in the seeds' vocabulary."""
    words = sorted({w for f in SEEDS.glob("*.txt") for w in re.findall(r"[A-Za-z]{3,}", f.read_text())})
    rng = random.Random(seed)
    folder.mkdir()
    for i in range(count):
        sentences = [" ".join(rng.choices(words, k=rng.randint(8, 16))).capitalize() + "." for _ in range(rng.randint(4, 20))]
        (folder / f"{i:03d}.txt").write_text(f"Report {i} on {rng.choice(words)}\n\n" + " ".join(sentences) + "\n")


def expected_chunks(folder: Path, settings: Settings) -> dict[str, int]:
    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    articles = [clean(raw) for f in sorted(folder.glob("*.txt")) for raw in load_file(f, settings.max_file_bytes)]
    return {a.id: len(chunk_article(a, splitter)) for a in articles}


def ingest(folder: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "newsdesk"), "ingest", str(folder)], env=newsdesk_env(env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_sigkill_mid_ingest_then_reingest_is_exact(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    write_articles(folder, ARTICLES)
    expected = expected_chunks(folder, Settings())
    assert len(expected) == ARTICLES and sum(expected.values()) > ARTICLES  # several multi-chunk articles

    port, data, log = free_port(), tmp_path / "chroma", tmp_path / "chroma.log"
    env = {
        "NEWSDESK_DATA_DIR": str(tmp_path / "newsdesk"),
        "NEWSDESK_CHROMA_HOST": "127.0.0.1",
        "NEWSDESK_CHROMA_PORT": str(port),
        "NEWSDESK_EMBEDDING_BATCH_SIZE": "8",  # writes every ~32 chunks: many commits to land between
        "COLUMNS": "200",
    }

    with chroma_run(data, port, log) as chroma:
        first = ingest(folder, env)
        client = chromadb.HttpClient(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 300
        committed = 0
        while committed < 5:  # some articles committed, most still to come
            assert first.poll() is None and time.monotonic() < deadline, first.communicate()
            try:
                committed = client.get_collection("newsdesk_articles").count()
            except Exception:  # the collection is created on the first write
                pass
            time.sleep(0.05)
        chroma.send_signal(signal.SIGKILL)
        chroma.wait()
    out, err = first.communicate(timeout=120)
    assert first.returncode == 1, out + err
    assert "unreachable" in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err

    with chroma_run(data, port, log):
        client = chromadb.HttpClient(host="127.0.0.1", port=port)
        survived = client.get_collection("newsdesk_articles").count()
        assert 5 <= survived < ARTICLES, tail(log)
        second = ingest(folder, env)
        out, err = second.communicate(timeout=600)
        assert second.returncode == 0, err
        assert f"{ARTICLES - survived} article(s) added, {survived} unchanged" in out

        articles = client.get_collection("newsdesk_articles").get(include=["metadatas"])
        collection = client.get_collection("newsdesk_chunks")
        chunks = collection.get(include=["metadatas", "embeddings"])
        # The vector index agrees with the records: each sampled chunk is its own nearest neighbour.
        sample = random.Random(1).sample(range(len(chunks["ids"])), 20)
        hits = collection.query(query_embeddings=[chunks["embeddings"][i] for i in sample], n_results=1, include=[])
        assert [h[0] for h in hits["ids"]] == [chunks["ids"][i] for i in sample]

    assert sorted(articles["ids"]) == sorted(expected)
    assert {i: m["chunk_count"] for i, m in zip(articles["ids"], articles["metadatas"], strict=True)} == expected
    assert len(chunks["ids"]) == len(set(chunks["ids"])) == sum(expected.values())
    indices: dict[str, list[int]] = {}
    for chunk_id, meta in zip(chunks["ids"], chunks["metadatas"], strict=True):
        assert chunk_id == f"{meta['article_id']}:{meta['chunk_index']:04d}"
        indices.setdefault(meta["article_id"], []).append(meta["chunk_index"])
    assert {a: sorted(i) for a, i in indices.items()} == {a: list(range(n)) for a, n in expected.items()}
