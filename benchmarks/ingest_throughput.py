"""Ingestion throughput (chunks/s) next to the raw embedding model on the same chunks.

The corpus is the seeds, copied N times with a marker line so each copy is a distinct article.
Usage: python -m benchmarks.ingest_throughput [--copies 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.common import console, machine, scratch_settings, table
from service.desk import Newsdesk
from service.ingest.chunking import chunk_article, make_splitter
from service.ingest.clean import clean
from service.ingest.loaders import iter_files, load_file
from service.settings import PROJECT_ROOT


def make_corpus(copies: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-corpus-"))
    for n in range(copies):
        for seed in sorted((PROJECT_ROOT / "seeds").glob("*.txt")):
            title, _, body = seed.read_text().partition("\n")
            (folder / f"{n:03d}-{seed.name}").write_text(f"{title} (copy {n})\n{body}\nEdition {n}.")
    return folder


def run(copies: int) -> dict[str, float]:
    corpus = make_corpus(copies)
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
    return {"chunks": len(chunks), "raw_cps": len(chunks) / raw_s, "ingest_cps": len(chunks) / report.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    console.print(f"[dim]{machine()}[/dim]")
    r = run(args.copies)
    table(
        f"Ingestion vs raw embedding ({r['chunks']:.0f} chunks, embedded Chroma)",
        ["raw embedding chunks/s", "ingestion chunks/s", "ingestion / raw"],
        [[f"{r['raw_cps']:.1f}", f"{r['ingest_cps']:.1f}", f"{r['ingest_cps'] / r['raw_cps']:.2f}"]],
    )


if __name__ == "__main__":
    main()
