"""Synthetic news chunks for retrieval benchmarks, realistic enough for BM25.

Each chunk is seed-article sentences (``seeds/``) drawn at random until it is about 700
characters long. Every content word (not a stop word) is kept with probability ``KEEP``,
otherwise replaced by a word drawn from a Zipf-Mandelbrot distribution over a 50k-word vocabulary whose
most frequent entries are the seeds' own words, then pronounceable made-up words. So chunks
keep the sentence shapes, stop words and names of real news, while the vocabulary grows with
the corpus and term frequencies follow Zipf's law, as in a real archive (a corpus made only of
recombined seed sentences would have ~600 distinct words, and every posting list would span
a large share of the corpus: a worst case, not a newsroom). Queries are 3 to 7 words: one or
two seed words plus mid-frequency vocabulary words.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from service.retrieval.terms import STOP_WORDS

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
VOCABULARY = 50_000
KEEP = 0.2
CHUNK_CHARS = 700
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_TOKEN = re.compile(r"\w+|\W+")


def seed_sentences(folder: Path = SEEDS) -> list[str]:
    text = " ".join(p.read_text() for p in sorted(folder.glob("*.txt")))
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if len(s.split()) >= 5]


def vocabulary(rng: np.random.Generator, seeds: list[str]) -> np.ndarray:
    """The seeds' content words by frequency, then made-up words, ``VOCABULARY`` in all."""
    counts = Counter(w.lower() for s in seeds for w in re.findall(r"[A-Za-z]+", s) if w.lower() not in STOP_WORDS)
    words = [w for w, _ in counts.most_common()]
    made, taken = [], set(words)
    consonants, vowels = list("bcdfghjklmnprstvz"), list("aeiou")
    while len(words) + len(made) < VOCABULARY:
        w = "".join(str(rng.choice(consonants)) + str(rng.choice(vowels)) for _ in range(int(rng.integers(2, 5))))
        if w not in taken:
            taken.add(w)
            made.append(w)
    return np.array(words + made)


class Corpus:
    """Deterministic chunk texts and queries for a seed."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.sentences = [_TOKEN.findall(s) for s in seed_sentences()]
        self.vocab = vocabulary(self.rng, [" ".join(s) for s in self.sentences])
        # Zipf-Mandelbrot: p(rank) ~ 1 / (rank + 20) ** 1.1, so no word is in every chunk.
        weights = 1.0 / (np.arange(len(self.vocab)) + 20.0) ** 1.1
        self.frequencies = weights / weights.sum()

    def chunks(self, count: int) -> list[str]:
        out = []
        rng, vocab = self.rng, self.vocab
        picks = rng.integers(0, len(self.sentences), size=count * 8)
        swaps = rng.choice(len(vocab), size=count * 200, p=self.frequencies)
        keep = rng.random(count * 200) < KEEP
        p = s = 0
        for _ in range(count):
            parts: list[str] = []
            size = 0
            while size < CHUNK_CHARS:
                for tok in self.sentences[picks[p % len(picks)]]:
                    if tok[0].isalnum() and tok.lower() not in STOP_WORDS and not keep[s % len(keep)]:
                        tok = str(vocab[swaps[s % len(swaps)]])
                    s += 1
                    parts.append(tok)
                    size += len(tok)
                parts.append(" ")
                p += 1
            out.append("".join(parts).strip())
        return out

    def queries(self, count: int) -> list[str]:
        rng, vocab = self.rng, self.vocab
        out = []
        for _ in range(count):
            seed_words = list(rng.choice(vocab[:300], size=int(rng.integers(1, 3))))
            others = list(rng.choice(vocab[300:20_000], size=int(rng.integers(2, 6))))
            out.append(" ".join(seed_words + others))
        return out
