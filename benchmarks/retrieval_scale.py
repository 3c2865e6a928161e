"""Retrieval latency and memory as the store grows: dense, sparse (BM25) and hybrid, p50/p95 per query.

Corpus: ``benchmarks.synthetic_news`` (seed-article sentences recombined, content words redrawn
from a Zipf-Mandelbrot vocabulary of 50k words; chunks of ~700 characters, 20 outlets, 28 days)
with random unit vectors (384-d) for the dense side: text realistic enough for BM25, vectors
only for Chroma's HNSW cost. Chunks go into Chroma's raw collection and into the store's sparse
index (tantivy) in batches of 5,000, as ingestion writes them, growing one store in place (10k,
then 90k more, ...). Queries (3-7 words, one or two frequent seed words plus rarer words) run
through the real ``ArticleStore`` and ``HybridRetriever``, the query embedded by the real local
model, on embedded Chroma and on a ``chroma run`` server serving the same folder (the API
process keeps the same sparse index folder). "filtered" is hybrid with an outlet filter (1/20).

``--sparse-only-sizes`` (default 1M) builds a standalone sparse index of that many chunks and
measures it alone, because Chroma's insert takes ~2 min per 100k chunks on 2 cores: the full
store at 1M (``--sizes 1000000 --sparse-only-sizes ''``) takes ~35 min and ~5 GB of memory.
RSS is this process's resident memory after the queries (embedded Chroma's HNSW included; the
server's is not); the baseline (Python, the embedding model) is printed first.
Usage: python -m benchmarks.retrieval_scale [--sizes 10000,100000] [--sparse-only-sizes 1000000]
       [--queries 100] [--backends embedded,server]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from benchmarks.common import console, machine, percentile, table
from benchmarks.server import free_port, stop, wait_ready
from benchmarks.synthetic_news import Corpus
from service.retrieval.filters import Filters
from service.retrieval.hybrid import HybridRetriever
from service.retrieval.terms import tokenize
from service.settings import Settings
from service.store.chroma import ArticleStore, make_client
from service.store.embeddings import make_embeddings
from service.store.sparse import SparseChunk, SparseIndex

DIM = 384  # all-MiniLM-L6-v2
CHUNKS_PER_ARTICLE = 5
OUTLETS = [f"Outlet {i}" for i in range(20)]
BATCH = 5000


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def metadata(i: int) -> dict[str, object]:
    article = i // CHUNKS_PER_ARTICLE
    return {
        "article_id": f"{article:08x}", "title": f"Article {article}", "source": "synthetic",
        "outlet": OUTLETS[article % len(OUTLETS)], "published_day": 20240101 + article % 28,
        "chunk_index": i % CHUNKS_PER_ARTICLE, "start": 0, "end": 700,
    }  # fmt: skip


def chunk_id(i: int) -> str:
    return f"{i // CHUNKS_PER_ARTICLE:08x}:{i % CHUNKS_PER_ARTICLE:04d}"


def grow(store: ArticleStore | None, sparse: SparseIndex, corpus: Corpus, start: int, stop: int) -> tuple[float, float]:
    """Add chunks ``start..stop`` to Chroma (unless ``store`` is None) and the sparse index; seconds for each."""
    rng = np.random.default_rng(start)
    chroma_s = sparse_s = 0.0
    for lo in range(start, stop, BATCH):
        hi = min(lo + BATCH, stop)
        texts, metas, ids = corpus.chunks(hi - lo), [metadata(i) for i in range(lo, hi)], [chunk_id(i) for i in range(lo, hi)]
        if store is not None:
            vectors = rng.standard_normal((hi - lo, DIM)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            started = time.perf_counter()
            store._raw_chunks.add(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)
            chroma_s += time.perf_counter() - started
        started = time.perf_counter()
        sparse.upsert(SparseChunk(i, t, m) for i, t, m in zip(ids, texts, metas, strict=True))
        sparse_s += time.perf_counter() - started
        if hi % 100_000 == 0 or hi == stop:
            console.print(f"[dim]{hi:,} chunks written (Chroma {chroma_s:.0f} s, sparse {sparse_s:.0f} s)[/dim]")
    return chroma_s, sparse_s


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
        heartbeat = f"http://127.0.0.1:{port}/api/v2/heartbeat"
        wait_ready(heartbeat, lambda: None if proc.poll() is None else "chroma run did not start", timeout=60, interval=0.2)
        yield port
    finally:
        stop(proc)


@contextmanager
def opened(settings: Settings, backend: str, sparse: SparseIndex) -> Iterator[ArticleStore]:
    """The store in ``settings.chroma_dir``, in-process or served by ``chroma run``, with the same sparse index."""
    embeddings = make_embeddings(settings)
    if backend == "embedded":
        client = make_client(settings)
        try:
            yield ArticleStore(client, embeddings, settings.collection, "embedded", sparse)
        finally:
            client.clear_system_cache()  # let go of the folder: a server opens it next
        return
    with chroma_server(settings.chroma_dir) as port:
        served = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port, "chroma_timeout_s": 300})
        yield ArticleStore(make_client(served), embeddings, settings.collection, "server", sparse)


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.1f}"


def measure(store: ArticleStore, queries: list[str], k: int) -> list[str]:
    """dense, sparse, hybrid p50/p95 and filtered hybrid p95, in ms."""
    fetch = max(k * 3, 10)
    hybrid = HybridRetriever(store=store, k=k)
    filtered = HybridRetriever(store=store, k=k, filters=Filters(outlet=OUTLETS[3]))
    timed([hybrid.search, filtered.search], queries[:5])  # warm-up: model, caches, the sparse check
    dense, sparse, fused, fused_filtered = timed(
        [lambda q: store.dense_search(q, fetch), lambda q: store.sparse_search(tokenize(q), fetch), hybrid.search, filtered.search],
        queries,
    )
    return [ms(dense, 50), ms(dense, 95), ms(sparse, 50), ms(sparse, 95), ms(fused, 50), ms(fused, 95), ms(fused_filtered, 95)]


def run(sizes: list[int], sparse_only: list[int], backends: list[str], n_queries: int) -> list[list[str]]:
    queries = Corpus(seed=1).queries(n_queries + 5)
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsdesk-scale-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        corpus = Corpus(seed=0)
        sparse = SparseIndex(Path(tmp) / "sparse")
        have = 0
        for size in sizes:
            with opened(settings, "embedded", sparse) as store:
                chroma_s, sparse_s = grow(store, sparse, corpus, have, size)
            have = size
            for backend in backends:
                with opened(settings, backend, sparse) as store:
                    figures = measure(store, queries, settings.top_k)
                    memory = [f"{rss_mb():.0f}", f"{folder_mb(sparse.path):.0f}"]
                    rows.append([backend, f"{size:,}", f"{chroma_s:.0f} / {sparse_s:.1f}", *figures, *memory])
                console.print(f"[dim]{size:,} chunks, {backend} done[/dim]")
        for size in sparse_only:
            alone = SparseIndex(Path(tmp) / f"sparse-{size}")
            _none, sparse_s = grow(None, alone, Corpus(seed=0), 0, size)
            timed([lambda q, index=alone: index.search(tokenize(q), 15)], queries[:5])
            [seconds] = timed([lambda q, index=alone: index.search(tokenize(q), 15)], queries)
            figures = ["-", "-", ms(seconds, 50), ms(seconds, 95), "-", "-", "-"]
            memory = [f"{rss_mb():.0f}", f"{folder_mb(alone.path):.0f}"]
            rows.append(["(sparse only)", f"{size:,}", f"- / {sparse_s:.1f}", *figures, *memory])
            console.print(f"[dim]{size:,} chunks, sparse only done[/dim]")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated chunk counts, ascending (Chroma + sparse).")
    parser.add_argument("--sparse-only-sizes", default="1000000", help="Chunk counts for the sparse index alone ('' for none).")
    parser.add_argument("--queries", type=int, default=100, help="Timed queries per size and path.")
    parser.add_argument("--backends", default="embedded,server")
    parser.add_argument("--out", type=Path, help="Also write the table as Markdown to this file (e.g. under benchmarks/results/).")
    args = parser.parse_args()

    def counts(text: str) -> list[int]:
        return sorted(int(s.replace("_", "").replace("k", "000").replace("M", "000000")) for s in text.split(",") if s.strip())

    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    about = f"{machine()}; load average at start {load}; baseline RSS {rss_mb():.0f} MB"
    console.print(f"[dim]{about}[/dim]")
    started = time.perf_counter()
    rows = run(counts(args.sizes), counts(args.sparse_only_sizes), [b.strip() for b in args.backends.split(",")], args.queries)
    title = f"Retrieval by store size ({args.queries} queries each; ms unless noted; top_k 5, fetch 15, {DIM}-d vectors)"
    columns = ["Chroma", "chunks", "insert s Chroma / sparse", "dense p50", "dense p95", "sparse p50", "sparse p95",
               "hybrid p50", "hybrid p95", "filtered p95", "RSS MB", "sparse MB"]  # fmt: skip
    table(title, columns, rows)
    total = f"total {time.perf_counter() - started:.0f} s"
    console.print(f"[dim]{total}[/dim]")
    if args.out:
        lines = [f"# {title}", "", f"- {about}", f"- `python -m benchmarks.retrieval_scale {' '.join(sys.argv[1:])}` ({total})", ""]
        lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *("| " + " | ".join(r) + " |" for r in rows)]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
