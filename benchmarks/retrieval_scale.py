"""Retrieval latency as the store grows: p50/p95 per query at 1k, 10k and 100k chunks.

Synthetic chunks (random unit vectors, Zipf-distributed words for BM25) go straight into the raw
Chroma collection; queries then run through the real ``HybridRetriever`` (dense + BM25, fused)
and dense-only (``ArticleStore.dense_search``), both embedding the query with the real local
model, on embedded Chroma and on a ``chroma run`` server on loopback serving the same folder
(written once, in-process). The store grows in place (1k, then 9k more, ...). The BM25 index is
built on the first query after a change; that build is reported on its own, the percentiles
are over the queries after it.
Usage: python -m benchmarks.retrieval_scale [--sizes 1000,10000,100000] [--queries 40] [--backends embedded,server]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from langchain_core.embeddings import Embeddings

from benchmarks.common import console, machine, percentile, table
from benchmarks.server import free_port
from service.retrieval.hybrid import HybridRetriever
from service.settings import Settings
from service.store.chroma import ArticleStore
from service.store.embeddings import make_embeddings

DIM = 384  # all-MiniLM-L6-v2
VOCABULARY = 5000
WORDS_PER_CHUNK = 90  # about a 700-character chunk
CHUNKS_PER_ARTICLE = 5


def words(rng: np.random.Generator) -> np.ndarray:
    """A made-up vocabulary: pronounceable, distinct, no stop words."""
    consonants, vowels = list("bcdfghjklmnprstvz"), list("aeiou")
    made: set[str] = set()
    while len(made) < VOCABULARY:
        n = int(rng.integers(2, 4))
        made.add("".join(str(rng.choice(consonants)) + str(rng.choice(vowels)) for _ in range(n)))
    return np.array(sorted(made))


def texts(rng: np.random.Generator, vocab: np.ndarray, count: int, length: int) -> list[str]:
    """Word frequencies follow Zipf's law, as in real text, so BM25's posting lists are realistic."""
    ranks = np.minimum(rng.zipf(1.2, size=(count, length)), len(vocab)) - 1
    return [" ".join(row) for row in vocab[ranks]]


def unit_vectors(rng: np.random.Generator, count: int) -> np.ndarray:
    v = rng.standard_normal((count, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def grow(store: ArticleStore, rng: np.random.Generator, vocab: np.ndarray, start: int, stop: int) -> float:
    """Add chunks ``start..stop`` to the raw collection; returns seconds spent."""
    collection = store._raw_chunks
    batch = min(5000, store._client.get_max_batch_size())
    started = time.perf_counter()
    for lo in range(start, stop, batch):
        hi = min(lo + batch, stop)
        ids = [f"{i // CHUNKS_PER_ARTICLE:08x}:{i % CHUNKS_PER_ARTICLE:04d}" for i in range(lo, hi)]
        metadatas = [
            {"article_id": f"{i // CHUNKS_PER_ARTICLE:08x}", "title": f"Article {i // CHUNKS_PER_ARTICLE}",
             "source": "synthetic", "outlet": "Synthetic", "chunk_index": i % CHUNKS_PER_ARTICLE, "start": 0, "end": 700}
            for i in range(lo, hi)
        ]  # fmt: skip
        collection.add(
            ids=ids,
            embeddings=unit_vectors(rng, hi - lo),
            documents=texts(rng, vocab, hi - lo, WORDS_PER_CHUNK),
            metadatas=metadatas,
        )
    return time.perf_counter() - started


def timed(calls: list[Callable[[str], object]], queries: list[str]) -> list[list[float]]:
    """Seconds per query for each call, interleaved so that all of them see the same machine load."""
    out: list[list[float]] = [[] for _ in calls]
    for q in queries:
        for call, seconds in zip(calls, out, strict=True):
            started = time.perf_counter()
            call(q)
            seconds.append(time.perf_counter() - started)
    return out


@contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chroma run did not start") from None
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def opened(settings: Settings, backend: str, embeddings: Embeddings) -> Iterator[ArticleStore]:
    """The store in ``settings.chroma_dir``, opened in-process or served by ``chroma run`` from that folder."""
    if backend == "embedded":
        store = ArticleStore.from_settings(settings, embeddings)
        try:
            yield store
        finally:
            store._client.clear_system_cache()  # let go of the folder: a server opens it next
        return
    with chroma_server(settings.chroma_dir) as port:
        # Fetching every chunk for BM25 is a large response: give it more than the default 10 s.
        served = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port, "chroma_timeout_s": 300})
        yield ArticleStore.from_settings(served, embeddings)


def measure(store: ArticleStore, queries: list[str], k: int) -> tuple[list[float], list[float], float]:
    """(dense seconds, hybrid seconds) per query, and the first query's BM25 index build."""
    retriever = HybridRetriever(store=store, k=k)
    started = time.perf_counter()
    retriever.invoke(queries[0])
    cold_s = time.perf_counter() - started
    timed([retriever.invoke], queries[:3])  # warm-up
    dense, fused = timed([lambda q: store.dense_search(q, k * 3), retriever.invoke], queries)
    return dense, fused, cold_s


def run(sizes: list[int], backends: list[str], n_queries: int, seed: int) -> list[list[str]]:
    """Grow one store through ``sizes`` (written in-process); at each size, query it on every backend."""
    rng = np.random.default_rng(seed)
    vocab = words(rng)
    queries = [" ".join(rng.choice(vocab[:2000], size=int(rng.integers(3, 8)))) for _ in range(n_queries)]
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsdesk-scale-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        embeddings = make_embeddings(settings)
        embed_ms = percentile(timed([embeddings.embed_query], queries[:10] * 2)[0][10:], 50) * 1000
        have = 0
        for size in sizes:
            with opened(settings, "embedded", embeddings) as store:
                insert_s = grow(store, rng, vocab, have, size)
            have = size
            for backend in backends:
                with opened(settings, backend, embeddings) as store:
                    dense, fused, cold_s = measure(store, queries, settings.top_k)
                rows.append([
                    backend, f"{size:,}", f"{insert_s:.1f}", f"{embed_ms:.1f}",
                    f"{percentile(dense, 50) * 1000:.1f}", f"{percentile(dense, 95) * 1000:.1f}",
                    f"{percentile(fused, 50) * 1000:.1f}", f"{percentile(fused, 95) * 1000:.1f}", f"{cold_s:.2f}",
                ])  # fmt: skip
                console.print(f"[dim]{size:,} chunks, {backend} done[/dim]")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000", help="Comma-separated chunk counts, ascending.")
    parser.add_argument("--queries", type=int, default=40, help="Timed queries per size and path.")
    parser.add_argument("--backends", default="embedded,server")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = sorted(int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(","))
    console.print(f"[dim]{machine()}[/dim]")
    started = time.perf_counter()
    rows = run(sizes, [b.strip() for b in args.backends.split(",")], args.queries, args.seed)
    table(
        f"Retrieval latency by store size ({args.queries} queries each; ms unless noted; top_k 5, {DIM}-d vectors)",
        ["Chroma", "chunks", "insert s", "embed query", "dense p50", "dense p95", "hybrid p50", "hybrid p95", "BM25 build s"],
        rows,
    )
    console.print(f"[dim]total {time.perf_counter() - started:.0f} s[/dim]")


if __name__ == "__main__":
    main()
