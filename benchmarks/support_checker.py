"""Precision and recall of the citation support checker on the labelled (claim, quote) pairs.

Checkers side by side on each split of evals/support/pairs.yaml: the word-overlap rule the
project used before (half the claim's words in the quote), the new checker on its rules alone,
with MiniLM embeddings for paraphrases, and with the chat model as yes/no judge of the claims the
rules reject only for their wording (what answers use; the model is the settings' profile).
Usage: python -m benchmarks.support_checker [--split dev|heldout|all] [--misses] [--no-judge]
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import console, machine
from service.citations.support import SupportChecker, content_stems
from service.desk import Newsdesk
from service.evals.support_pairs import SupportPair, load_pairs, render_markdown, score_checker
from service.settings import Settings


def word_overlap(claim: str, quotes: list[str]) -> bool:
    """The old check: at least half of the claim's content words appear in the quote."""
    wanted = set(content_stems(claim))
    found = set(content_stems(" ".join(quotes)))
    return bool(wanted) and len(wanted & found) / len(wanted) >= 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="all", choices=["dev", "heldout", "all"])
    parser.add_argument("--misses", action="store_true", help="List the pairs the last checker gets wrong.")
    parser.add_argument("--no-judge", action="store_true", help="Leave out the model judge (it needs the chat model).")
    args = parser.parse_args()
    settings = Settings()
    console.print(f"machine: {machine()}; judge model: {settings.chat_model_name}")
    desk = Newsdesk(settings)
    embed = desk.embeddings.embed_documents
    checkers = {
        "word overlap (before)": word_overlap,
        "support checker, rules only": lambda c, q: SupportChecker().check(c, q).supported,
        "support checker + embeddings": lambda c, q: SupportChecker(embed=embed).check(c, q).supported,
    }
    if not args.no_judge:
        checkers["support checker + embeddings + model judge (used)"] = lambda c, q: desk.checker.check(c, q).supported
    splits = ["dev", "heldout"] if args.split == "all" else [args.split]
    for split in splits:
        pairs: list[SupportPair] = load_pairs(split=split)
        for name, check in checkers.items():
            started = time.perf_counter()
            score = score_checker(check, pairs)
            per_pair_ms = (time.perf_counter() - started) / len(pairs) * 1000
            console.print(render_markdown(score, f"{name}, {split} split") + f"\n{per_pair_ms:.1f} ms per pair\n")
        if args.misses:
            used = desk.checker if not args.no_judge else SupportChecker(embed=embed)
            for p in pairs:
                verdict = used.check(p.claim, [p.quote])
                if verdict.supported != p.supported:
                    console.print(f"- [{p.kind}] {p.claim!r} | {p.quote[:160]!r} -> {verdict}", highlight=False)


if __name__ == "__main__":
    main()
