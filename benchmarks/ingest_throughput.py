"""Ingestion throughput (chunks/s) next to the raw embedding model on the same chunks.

The corpus is the seeds, copied N times with a marker line so each copy is a distinct article.
Each round embeds the chunks alone, then ingests the corpus into a fresh store, so the ratio of
the two is measured side by side; the median ratio over the rounds is the figure to read on a
busy machine. A second table times the store writes alone (vectors precomputed): one batch for
the whole corpus against one write per article (what ingestion did before batching).
Usage: python -m benchmarks.ingest_throughput [--copies 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import console, machine, scratch_settings, table
from service.desk import Newsdesk
from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.loaders import iter_files, load_file
from service.settings import PROJECT_ROOT
from service.store.chroma import ArticleStore, ArticleWrite


def make_corpus(copies: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-corpus-"))
    for n in range(copies):
        for seed in sorted((PROJECT_ROOT / "seeds").glob("*.txt")):
            title, _, body = seed.read_text().partition("\n")
            (folder / f"{n:03d}-{seed.name}").write_text(f"{title} (copy {n})\n{body}\nEdition {n}.")
    return folder


def one_round(corpus: Path) -> dict[str, float]:
    settings = scratch_settings()
    desk = Newsdesk(settings)
    desk.embeddings.embed_query("warm up")  # load the ONNX session outside both timings

    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    chunks = [c.text for f in iter_files([corpus]) for c in chunk_article(clean(load_file(f, 10**7)[0]), splitter)]
    started = time.perf_counter()
    for i in range(0, len(chunks), settings.embedding_batch_size):
        desk.embeddings.embed_documents(chunks[i : i + settings.embedding_batch_size])
    raw_s = time.perf_counter() - started

    report = desk.ingestor.ingest_paths([corpus])
    assert report.chunks_written == len(chunks), (report.chunks_written, len(chunks))
    raw_cps, ingest_cps = len(chunks) / raw_s, len(chunks) / report.seconds
    return {"chunks": len(chunks), "raw_cps": raw_cps, "ingest_cps": ingest_cps, "ratio": ingest_cps / raw_cps}


def store_writes(corpus: Path) -> dict[str, float]:
    """Seconds to write the corpus's embedded articles: as one batch, and one article per write."""
    settings = scratch_settings()
    splitter = make_splitter(settings.chunk_size, settings.chunk_overlap)
    articles = [clean(load_file(f, 10**7)[0]) for f in iter_files([corpus])]
    seconds = {}
    for mode in ("batch", "per_article"):
        store: ArticleStore = Newsdesk(scratch_settings()).store
        items = []
        for article in articles:
            chunks = chunk_article(article, splitter)
            vectors = [[1.0 / (1 + (hash((c.id, d)) % 97)) for d in range(384)] for c in chunks]  # synthetic: not timed
            items.append(ArticleWrite(article, chunks, vectors, vectors[0]))
        store.count_chunks()  # open the collections outside the timing
        started = time.perf_counter()
        if mode == "batch":
            store.write_many(items)
        else:
            for item in items:
                store.write_many([item])
        seconds[mode] = time.perf_counter() - started
    seconds["chunks"] = sum(len(i.chunks) for i in items)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    console.print(f"[dim]{machine()}; load average at start {os.getloadavg()[0]:.2f}[/dim]")
    corpus = make_corpus(args.copies)
    rounds = [one_round(corpus) for _ in range(args.rounds)]
    rows = [[str(n), f"{r['raw_cps']:.1f}", f"{r['ingest_cps']:.1f}", f"{r['ratio']:.2f}"] for n, r in enumerate(rounds, 1)]
    rows.append(["median", "", "", f"{statistics.median(r['ratio'] for r in rounds):.2f}"])
    table(
        f"Ingestion vs raw embedding ({rounds[0]['chunks']:.0f} chunks, embedded Chroma, {len(rounds)} rounds)",
        ["round", "raw embedding chunks/s", "ingestion chunks/s", "ingestion / raw"],
        rows,
    )
    w = store_writes(corpus)
    table(
        f"Store writes alone ({args.copies * 2} articles, {w['chunks']:.0f} chunks, vectors precomputed)",
        ["one batch (s)", "one write per article (s)", "per article / batch"],
        [[f"{w['batch']:.2f}", f"{w['per_article']:.2f}", f"{w['per_article'] / w['batch']:.1f}"]],
    )
    console.print(f"[dim]load average at end {os.getloadavg()[0]:.2f}[/dim]")


if __name__ == "__main__":
    main()
