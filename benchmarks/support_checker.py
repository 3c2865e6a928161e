"""Precision and recall of the citation support checker on the labelled (claim, quote) pairs.

Three checkers side by side on each split of evals/support/pairs.yaml: the word-overlap rule the
project used before (half the claim's words in the quote), the new checker on its rules alone,
and the new checker with MiniLM embeddings for paraphrases (what answers and summaries use).
Usage: python -m benchmarks.support_checker [--split dev|heldout|all] [--misses]
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import console, machine
from service.citations.support import SupportChecker, content_stems
from service.evals.support_pairs import SupportPair, load_pairs, render_markdown, score_checker
from service.settings import Settings
from service.store.embeddings import make_embeddings


def word_overlap(claim: str, quotes: list[str]) -> bool:
    """The old check: at least half of the claim's content words appear in the quote."""
    wanted = set(content_stems(claim))
    found = set(content_stems(" ".join(quotes)))
    return bool(wanted) and len(wanted & found) / len(wanted) >= 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="all", choices=["dev", "heldout", "all"])
    parser.add_argument("--misses", action="store_true", help="List the pairs the embedding checker gets wrong.")
    args = parser.parse_args()
    console.print(f"machine: {machine()}")
    embed = make_embeddings(Settings()).embed_documents
    checkers = {
        "word overlap (before)": word_overlap,
        "support checker, rules only": lambda c, q: SupportChecker().check(c, q).supported,
        "support checker + embeddings (used)": lambda c, q: SupportChecker(embed=embed).check(c, q).supported,
    }
    splits = ["dev", "heldout"] if args.split == "all" else [args.split]
    for split in splits:
        pairs: list[SupportPair] = load_pairs(split=split)
        for name, check in checkers.items():
            started = time.perf_counter()
            score = score_checker(check, pairs)
            per_pair_ms = (time.perf_counter() - started) / len(pairs) * 1000
            console.print(render_markdown(score, f"{name}, {split} split") + f"\n{per_pair_ms:.1f} ms per pair\n")
        if args.misses:
            used = SupportChecker(embed=embed)
            for p in pairs:
                verdict = used.check(p.claim, [p.quote])
                if verdict.supported != p.supported:
                    console.print(f"- [{p.kind}] {p.claim!r} | {p.quote[:160]!r} -> {verdict}", highlight=False)


if __name__ == "__main__":
    main()
