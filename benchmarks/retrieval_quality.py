"""Evidence recall on the eval sets: dense, sparse (tantivy), hybrid as shipped, and hybrid with the old BM25.

Issue 15 replaced the sparse side of hybrid retrieval (``rank_bm25.BM25Okapi`` rebuilt in memory
from every chunk) with a persistent tantivy index. This measures whether the fused result lost
quality. For each eval set its corpus is ingested into a fresh temporary store by the real ingest
path; for every answerable question each retriever gives its top ``top_k`` chunks (each search
fetches ``max(3k, 10)``, lists fused by ``service.retrieval.hybrid.reciprocal_rank_fusion``, so
the two hybrids differ only in their sparse list), the answer pipeline's evidence step turns them
into the sources the model would be shown (``select_evidence`` and ``to_sources``, with the
answerer's settings and prompt), and a gold fact counts as retrieved exactly as
``newsdesk eval run`` decides it (``service.evals.scoring.score_fact``). A second table gives the
same recall over the top-k chunks before evidence selection, how many questions' top-k chunks
differ between the two hybrids, and the facts one hybrid's sources hold and the other's do not.

"Old BM25" is the sparse search of ``service/retrieval/hybrid.py`` at 0b7b363 (the commit before
d564695 brought in tantivy), reproduced here: ``BM25Okapi`` (rank-bm25 0.2.2, its default k1 1.5,
b 0.75, epsilon 0.25) over every stored chunk, tokenised by that file's ``tokenize``, the ``fetch``
best by score with zero scores dropped, searched after the dense side (not beside it). Its index
build is not timed (the old code cached it until the next write). rank-bm25 is not a dependency
of Newsdesk: ``pip install --target /tmp/rb25 rank_bm25==0.2.2`` (``--rank-bm25`` names another folder).
ms/query is retrieval alone (the query's embedding, both searches, fusion), each hybrid timed on
every question, the two alternating which goes first.
Usage: python -m benchmarks.retrieval_quality [--sets seeds,dev,heldout] [--rank-bm25 /tmp/rb25] [--out FILE]
"""

from __future__ import annotations

import argparse
import heapq
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.documents import Document

from benchmarks.common import console, machine, table
from service.chains.answer import to_sources
from service.desk import Newsdesk
from service.evals.corpus import Corpus
from service.evals.dataset import Question, load_dataset
from service.evals.scoring import Output, score_fact
from service.prompts import load_prompt
from service.retrieval.evidence import select_evidence
from service.retrieval.hybrid import HybridRetriever, reciprocal_rank_fusion
from service.retrieval.terms import tokenize
from service.settings import PROJECT_ROOT, Settings

SETS = {
    "seeds": PROJECT_ROOT / "evals" / "seeds.yaml",
    "dev": PROJECT_ROOT / "evals" / "public" / "dev.yaml",
    "heldout": PROJECT_ROOT / "evals" / "public" / "heldout.yaml",
}
RETRIEVERS = ["dense", "sparse", "hybrid", "hybrid_old"]
OLD_COMMIT = "0b7b363"  # d564695^: the last service/retrieval/hybrid.py with rank_bm25

# The tokenizer of service/retrieval/hybrid.py at 0b7b363, verbatim.
_OLD_WORD = re.compile(r"\w+")
_OLD_STOP = frozenset(
    "a an and are as at be by did do does for from had has have he her his how in is it its of on or "
    "she that the their them they this to was were what when where which who whom why will with would".split()
)


def old_tokenize(text: str) -> list[str]:
    return [w for w in _OLD_WORD.findall(text.lower()) if w not in _OLD_STOP]


def import_bm25okapi(folder: Path) -> Any:
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        sys.path.insert(0, str(folder))
        try:
            from rank_bm25 import BM25Okapi
        except ImportError:
            console.print(
                f"[red]rank_bm25 is not importable (not installed, nor in {folder}).[/red] It is not a Newsdesk dependency; "
                f"install it into a throwaway folder: {sys.executable} -m pip install --target {folder} rank_bm25==0.2.2"
            )
            raise SystemExit(2) from None
    return BM25Okapi


class OldBM25:
    """The old sparse side: BM25Okapi over every chunk, as ``_BM25Cache.search`` ranked them."""

    def __init__(self, docs: list[Document], bm25okapi: Any) -> None:
        self.docs = docs
        self.index = bm25okapi([old_tokenize(d.page_content) for d in docs]) if docs else None

    def search(self, query: str, k: int) -> list[tuple[Document, float]]:
        terms = old_tokenize(query)
        if self.index is None or not terms:
            return []
        scores = self.index.get_scores(terms)
        ranked = heapq.nlargest(k, range(len(self.docs)), key=scores.__getitem__)
        return [(self.docs[i], float(scores[i])) for i in ranked if scores[i] > 0]


@dataclass
class SetResult:
    name: str
    questions: int = 0
    facts: int = 0
    articles: int = 0
    chunks: int = 0
    warnings: int = 0
    retrieved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RETRIEVERS, 0))
    in_chunks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RETRIEVERS, 0))
    only_shipped: int = 0  # facts the shipped hybrid's sources hold and the old one's don't
    only_old: int = 0
    ms: dict[str, list[float]] = field(default_factory=lambda: {"hybrid": [], "hybrid_old": []})
    fusion_mismatches: int = 0  # questions where fusing our own dense + tantivy lists differs from HybridRetriever
    differ_set: int = 0  # questions whose top-k chunks differ between the two hybrids
    differ_order: int = 0  # ... hold the same chunks in another order


def facts_retrieved(item: Question, docs: list[dict[str, Any]], corpus: Corpus) -> list[bool]:
    """Per gold fact: does one of these sources (``Source`` dicts) hold it, as the eval scorer decides."""
    output = Output.from_dict({"text": "", "abstained": True, "sources": docs})
    return [bool(score_fact(f"{item.id}/{f.id}", f, output, corpus).retrieved) for f in item.facts]


def run_set(name: str, path: Path, bm25okapi: Any) -> SetResult | None:
    dataset = load_dataset(path)
    if dataset.corpus is None or not dataset.corpus.is_dir() or not any(dataset.corpus.iterdir()):
        console.print(f"[yellow]{name}: corpus {dataset.corpus} missing or empty (evals/public/build.py); skipped[/yellow]")
        return None
    items = [i for i in dataset.items if isinstance(i, Question) and i.answerable]
    result = SetResult(name, questions=len(items), facts=sum(len(i.facts) for i in items))
    with tempfile.TemporaryDirectory(prefix="newsdesk-rq-") as tmp:
        settings = Settings(data_dir=Path(tmp), chroma_host=None)
        desk = Newsdesk(settings)
        started = time.perf_counter()
        report = desk.ingestor.ingest_paths([dataset.corpus])
        if report.errors:
            raise SystemExit(f"{name}: ingest failed: {'; '.join(report.errors)}")
        store = desk.store
        corpus = Corpus.from_store(store, dataset.corpus)
        result.warnings = len(corpus.check(dataset))
        all_chunks = store.chunk_documents()
        result.articles, result.chunks = len(corpus.articles), len(all_chunks)
        old = OldBM25(all_chunks, bm25okapi)
        evidence_mode = load_prompt(settings.answer_prompt, settings.prompts_dir).extra.get("evidence", "sentences")
        k, fetch = settings.top_k, max(settings.top_k * 3, 10)
        console.print(
            f"[dim]{name}: {result.articles} articles, {result.chunks} chunks ingested in {time.perf_counter() - started:.0f} s; "
            f"{result.questions} answerable questions, {result.facts} facts; top_k {k}, fetch {fetch}, "
            f"evidence {evidence_mode} ({settings.evidence_sentences}), prompt {settings.answer_prompt}[/dim]"
        )
        shipped_retriever = HybridRetriever(store=store, k=k)

        def shipped(question: str) -> list[Document]:
            return [hit.document for hit in shipped_retriever.search(question)]

        def old_hybrid(question: str) -> tuple[list[Document], list[tuple[Document, float]]]:
            dense = store.dense_search(question, fetch)
            return [hit.document for hit in reciprocal_rank_fusion(dense, old.search(question, fetch), k)], dense

        shipped(items[0].question)  # warm-up: the embedding session, Chroma, the index readers
        old_hybrid(items[0].question)
        for n, item in enumerate(items):
            q = item.question
            timed: dict[str, Any] = {}
            for which in ("hybrid", "hybrid_old") if n % 2 == 0 else ("hybrid_old", "hybrid"):
                t0 = time.perf_counter()
                timed[which] = shipped(q) if which == "hybrid" else old_hybrid(q)
                result.ms[which].append((time.perf_counter() - t0) * 1000)
            old_docs, dense = timed["hybrid_old"]
            terms = tokenize(q)
            sparse = store.sparse_search(terms, fetch) if terms else []
            chunks = {
                "dense": [h.document for h in reciprocal_rank_fusion(dense, [], k)],
                "sparse": [h.document for h in reciprocal_rank_fusion([], sparse, k)],
                "hybrid": timed["hybrid"],
                "hybrid_old": old_docs,
            }
            if [d.id for d in chunks["hybrid"]] != [h.document.id for h in reciprocal_rank_fusion(dense, sparse, k)]:
                result.fusion_mismatches += 1
            ids, old_ids = [d.id for d in chunks["hybrid"]], [d.id for d in old_docs]
            result.differ_set += set(ids) != set(old_ids)
            result.differ_order += set(ids) == set(old_ids) and ids != old_ids
            found: dict[str, list[bool]] = {}
            for which, docs in chunks.items():
                evidence = select_evidence(q, docs, store.embeddings, settings.evidence_sentences)
                sources = to_sources(evidence.sentences if evidence_mode == "sentences" else docs)
                found[which] = facts_retrieved(item, [asdict(s) for s in sources], corpus)
                result.retrieved[which] += sum(found[which])
                result.in_chunks[which] += sum(facts_retrieved(item, [asdict(s) for s in to_sources(docs)], corpus))
            result.only_shipped += sum(a and not b for a, b in zip(found["hybrid"], found["hybrid_old"], strict=True))
            result.only_old += sum(b and not a for a, b in zip(found["hybrid"], found["hybrid_old"], strict=True))
    return result


def pct(num: int, den: int) -> str:
    return f"{num / den:.1%} ({num}/{den})" if den else "n/a"


def mean_ms(values: list[float]) -> str:
    return f"{statistics.mean(values):.1f}" if values else "-"


def diagnostics(r: SetResult) -> list[str]:
    check = "ok" if not r.fusion_mismatches else f"{r.fusion_mismatches} differ"
    differ = f"{r.differ_set} / {r.differ_order}"
    return [*(pct(r.in_chunks[w], r.facts) for w in RETRIEVERS), differ, str(r.only_shipped), str(r.only_old), check]


def markdown(columns: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *("| " + " | ".join(r) + " |" for r in rows)]


def total(results: list[SetResult]) -> SetResult:
    out = SetResult("all")
    for r in results:
        out.questions += r.questions
        out.facts += r.facts
        out.only_shipped += r.only_shipped
        out.only_old += r.only_old
        out.fusion_mismatches += r.fusion_mismatches
        out.differ_set += r.differ_set
        out.differ_order += r.differ_order
        for w in RETRIEVERS:
            out.retrieved[w] += r.retrieved[w]
            out.in_chunks[w] += r.in_chunks[w]
        for w in out.ms:
            out.ms[w] += r.ms[w]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help=f"Comma-separated eval sets among {', '.join(SETS)}.")
    parser.add_argument("--rank-bm25", type=Path, default=Path("/tmp/rb25"), help="Folder holding rank_bm25 if not installed.")
    parser.add_argument("--out", type=Path, help="Also write the tables as Markdown to this file (e.g. under benchmarks/results/).")
    args = parser.parse_args()
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    if unknown := [s for s in names if s not in SETS]:
        parser.error(f"unknown set(s): {', '.join(unknown)}; known: {', '.join(SETS)}")
    bm25okapi = import_bm25okapi(args.rank_bm25)

    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    about = f"{machine()}; load average at start {load}"
    console.print(f"[dim]{about}[/dim]")
    started = time.perf_counter()
    results = [r for name in names if (r := run_set(name, SETS[name], bm25okapi)) is not None]
    if not results:
        raise SystemExit("no eval set could be run")
    shown = results + ([total(results)] if len(results) > 1 else [])

    settings = Settings()
    title = (
        f"Evidence recall: gold facts in the sources the model would see (top_k {settings.top_k} chunks -> "
        f"{settings.evidence_sentences} evidence sentences), answerable questions"
    )
    columns = ["set", "questions", "facts", "dense", "sparse (tantivy)", "hybrid (tantivy, shipped)", "hybrid (old BM25)",
               "ms/query hybrid shipped", "ms/query hybrid old"]  # fmt: skip
    rows = [
        [r.name, str(r.questions), str(r.facts), *(pct(r.retrieved[w], r.facts) for w in RETRIEVERS), *map(mean_ms, r.ms.values())]
        for r in shown
    ]
    table(title, columns, rows)
    title2 = f"Diagnostics: recall over the top {settings.top_k} chunks themselves; where the two hybrids differ"
    columns2 = ["set", "articles", "chunks", "dense", "sparse (tantivy)", "hybrid (shipped)", "hybrid (old)",
                "questions: top-k differs (chunks / order only)", "only shipped", "only old", "fusion check"]  # fmt: skip
    rows2 = [[r.name, str(r.articles or "-"), str(r.chunks or "-"), *diagnostics(r)] for r in shown]
    table(title2, columns2, rows2)
    if warned := [f"{r.name}: {r.warnings}" for r in results if r.warnings]:
        console.print(f"[yellow]gold-set warnings (facts an article they name does not state): {', '.join(warned)}[/yellow]")
    done = f"total {time.perf_counter() - started:.0f} s"
    console.print(f"[dim]{done}[/dim]")
    if args.out:
        command = f"`python -m benchmarks.retrieval_quality {' '.join(sys.argv[1:])}`".replace(" `", "`")
        lines = [f"# {title}", "", f"- {about}", f"- {command} ({done})", "", *markdown(columns, rows)]
        lines += ["", f"## {title2}", "", *markdown(columns2, rows2)]
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
