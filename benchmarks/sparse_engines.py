"""Sparse (BM25) engines side by side on the same synthetic corpus: SQLite FTS5, tantivy, bm25s.

For each engine and size, in its own process: build time, adding one more article (5 chunks)
and making it searchable, query p50/p95 (top 15, the hybrid retriever's fetch size) with no
filter and with an outlet filter (one outlet of 20), memory (RSS added while building and
querying, and added in a fresh process that opens the index and runs the queries, as an API
process would) and disk. Corpus and
queries: ``benchmarks.synthetic_news``. bm25s is not a dependency of Newsdesk:
``pip install bm25s==0.3.16`` to run it (an engine that fails is reported and skipped).
bm25s has no incremental add: its "add" is a full rebuild, which is what disqualifies it here.
Usage: python -m benchmarks.sparse_engines [--sizes 10000,100000] [--engines fts5,tantivy,bm25s] [--queries 100] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import machine
from benchmarks.synthetic_news import Corpus

FETCH = 15
OUTLETS = [f"Outlet {i}" for i in range(20)]


def _meta(i: int) -> dict[str, Any]:
    return {"article_id": f"{i // 5:08x}", "outlet": OUTLETS[(i // 5) % len(OUTLETS)], "published_day": 20240101 + (i // 5) % 28}


def _rss_mb() -> float:
    """This process's resident memory now."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class Fts5:
    """SQLite FTS5 with BM25 ranking: the text in a table, an external-content FTS5 index on it."""

    SCHEMA = """
        CREATE TABLE IF NOT EXISTS chunks(n INTEGER PRIMARY KEY, id TEXT UNIQUE, outlet TEXT, text TEXT);
        CREATE INDEX IF NOT EXISTS chunks_outlet ON chunks(outlet);
        CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
            text, content='chunks', content_rowid='n', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER IF NOT EXISTS chunks_added AFTER INSERT ON chunks BEGIN
            INSERT INTO fts(rowid, text) VALUES (new.n, new.text);
        END;
    """

    def __init__(self, folder: Path) -> None:
        self.db = sqlite3.connect(folder / "sparse.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(self.SCHEMA)

    def add(self, texts: list[str], first: int) -> None:
        rows = [(f"{first + j:09d}", _meta(first + j)["outlet"], t) for j, t in enumerate(texts)]
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO chunks(id, outlet, text) VALUES (?,?,?)", rows)
        self.db.execute("COMMIT")

    def search(self, terms: list[str], outlet: str | None) -> list[str]:
        match = " OR ".join(f'"{t}"' for t in terms)
        sql = "SELECT c.id FROM fts JOIN chunks c ON c.n = fts.rowid WHERE fts MATCH ?"
        params: list[Any] = [match]
        if outlet:
            sql, params = sql + " AND c.outlet = ?", [*params, outlet]
        return [r[0] for r in self.db.execute(sql + " ORDER BY bm25(fts) LIMIT ?", [*params, FETCH])]


class Tantivy:
    """Newsdesk's own sparse index (``service.store.sparse``), one commit per add."""

    def __init__(self, folder: Path) -> None:
        from service.store.sparse import SparseIndex

        self.index = SparseIndex(folder / "tantivy")

    def add(self, texts: list[str], first: int) -> None:
        from service.store.sparse import SparseChunk

        self.index.upsert(SparseChunk(f"{first + j:09d}", t, _meta(first + j)) for j, t in enumerate(texts))

    def search(self, terms: list[str], outlet: str | None) -> list[str]:
        return [h.chunk.id for h in self.index.search(terms, FETCH, {"outlet": outlet} if outlet else None)]


class Bm25s:
    def __init__(self, folder: Path) -> None:
        self.texts: list[str] = []
        self.outlets: list[str] = []

    def add(self, texts: list[str], first: int) -> None:
        import bm25s
        import numpy as np

        self.texts += texts
        self.outlets += [_meta(first + j)["outlet"] for j in range(len(texts))]
        self.index = bm25s.BM25()
        self.index.index(bm25s.tokenize(self.texts, stopwords="en", show_progress=False), show_progress=False)
        self.np = np
        self.by_outlet = {o: np.array([x == o for x in self.outlets], dtype=np.float32) for o in OUTLETS}

    def search(self, terms: list[str], outlet: str | None) -> list[str]:
        mask = self.by_outlet[outlet] if outlet else None
        ids, _scores = self.index.retrieve([terms], k=FETCH, show_progress=False, weight_mask=mask, n_threads=1)
        return [f"{i:09d}" for i in ids[0]]


ENGINES = {"fts5": Fts5, "tantivy": Tantivy, "bm25s": Bm25s}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def queries(n_queries: int) -> list[list[str]]:
    from service.retrieval.terms import tokenize

    return [tokenize(q) for q in Corpus(seed=1).queries(n_queries)]


def serving_rss(engine: str, folder: Path, n_queries: int) -> float:
    """Memory a fresh process adds by opening the built index and running the queries (what an API process holds)."""
    base = _rss_mb()
    index = ENGINES[engine](folder)
    for i, q in enumerate(queries(n_queries)):
        index.search(q, None)
        index.search(q, OUTLETS[i % len(OUTLETS)])
    return _rss_mb() - base


def one(engine: str, corpus_file: Path, size: int, n_queries: int) -> dict[str, Any]:
    """Measure one engine at one size (run in a child process, so RSS is its own)."""
    texts = corpus_file.read_text().split("\n")[: size + 5]
    terms = queries(n_queries)
    base_rss = _rss_mb()
    folder = Path(tempfile.mkdtemp(prefix=f"sparse-{engine}-"))
    try:
        index = ENGINES[engine](folder)
        started = time.perf_counter()
        for lo in range(0, size, 50_000):
            index.add(texts[lo : min(lo + 50_000, size)], lo)
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        index.add(texts[size : size + 5], size)
        add_s = time.perf_counter() - started
        for q in terms[:5]:
            index.search(q, None)
        plain, filtered = [], []
        for i, q in enumerate(terms):
            started = time.perf_counter()
            index.search(q, None)
            plain.append(time.perf_counter() - started)
            started = time.perf_counter()
            index.search(q, OUTLETS[i % len(OUTLETS)])
            filtered.append(time.perf_counter() - started)
        return {
            "engine": engine, "size": size, "build_s": build_s, "add_s": add_s,
            "p50": percentile(plain, 50), "p95": percentile(plain, 95),
            "f_p50": percentile(filtered, 50), "f_p95": percentile(filtered, 95),
            "rss_mb": _rss_mb() - base_rss,  # the index's memory: after building and querying
            "disk_mb": _dir_bytes(folder) / 2**20,
            "serving_rss_mb": _serving(engine, folder, n_queries),
        }  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _serving(engine: str, folder: Path, n_queries: int) -> float | None:
    if engine == "bm25s":  # in memory only: what it built is what it serves with
        return None
    command = [sys.executable, "-m", "benchmarks.sparse_engines", "--queries", str(n_queries), "--serve", engine, str(folder)]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--engines", default="fts5,tantivy,bm25s")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--out", type=Path, help="Also write the table as Markdown to this file.")
    parser.add_argument("--one", nargs=3, metavar=("ENGINE", "CORPUS", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", nargs=2, metavar=("ENGINE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        print(serving_rss(args.serve[0], Path(args.serve[1]), args.queries))
        return
    if args.one:
        engine, corpus, size = args.one
        print(json.dumps(one(engine, Path(corpus), int(size), args.queries)))
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"# Sparse engines, {args.queries} queries per size (ms unless noted; top {FETCH}; filter: one outlet of 20)",
        "",
        f"- {machine()}; load average at start {load}",
        f"- `python -m benchmarks.sparse_engines {' '.join(sys.argv[1:])}`",
        "",
        "| engine | chunks | build s | add 5 chunks | p50 | p95 | filtered p50 | filtered p95 | RSS MB building | RSS MB serving "
        "| disk MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory(prefix="sparse-corpus-") as tmp:
        corpus = Path(tmp) / "chunks.txt"
        corpus.write_text("\n".join(Corpus(seed=0).chunks(sizes[-1] + 5)))
        for size in sizes:
            for engine in args.engines.split(","):
                command = [sys.executable, "-m", "benchmarks.sparse_engines", "--queries", str(args.queries)]
                done = subprocess.run([*command, "--one", engine, str(corpus), str(size)], capture_output=True, text=True)
                if done.returncode != 0:
                    line = f"| {engine} | {size:,} | failed: {' '.join(done.stderr.strip().splitlines()[-1:])} |"
                else:
                    r = json.loads(done.stdout.strip().splitlines()[-1])
                    line = (
                        f"| {engine} | {size:,} | {r['build_s']:.1f} | {r['add_s'] * 1000:.1f} | {r['p50'] * 1000:.1f} | "
                        f"{r['p95'] * 1000:.1f} | {r['f_p50'] * 1000:.1f} | {r['f_p95'] * 1000:.1f} | {r['rss_mb']:.0f} | "
                        f"{'-' if r['serving_rss_mb'] is None else round(r['serving_rss_mb'])} | {r['disk_mb']:.0f} |"
                    )
                print(line, flush=True)
                lines.append(line)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
