"""From retrieved chunks to the few sentences worth showing the model.

Whole 700-character chunks make a long prompt (slow prefill on a CPU) with much for a small
model to misread. Instead each retrieved chunk is split into sentences, every sentence is scored
against the question (embedding cosine plus BM25 over the candidate sentences, scaled to the best
one: a word the question shares with few sentences counts more than one they all have), and the
best ones are kept, best first (small models lean towards the first sources they see). Each
kept sentence is its own numbered source, with its offset in the article, so a
citation can only ever point at one exact sentence.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from service.retrieval.terms import tokenize
from service.text.sentences import sentence_spans
from service.text.stemming import stem_words

LEXICAL_WEIGHT = 0.3
BM25_K1, BM25_B = 1.2, 0.75
MIN_WORDS = 4  # shorter "sentences" are bylines, photo credits, headings


@dataclass(frozen=True)
class Evidence:
    sentences: list[Document]  # one per sentence, in the order the model sees them
    relevance: float  # the best sentence's score: how well the evidence matches the question at all


def _sentences(chunks: list[Document]) -> list[Document]:
    seen: set[tuple[str, int]] = set()
    out = []
    for chunk in chunks:
        base = int(chunk.metadata["start"])
        for a, b in sentence_spans(chunk.page_content):
            text = chunk.page_content[a:b]
            key = (chunk.metadata["article_id"], base + a)
            if key in seen or len(text.split()) < MIN_WORDS:
                continue
            seen.add(key)
            meta = {**chunk.metadata, "start": base + a, "end": base + b, "chunk_id": chunk.id}
            out.append(Document(page_content=text, metadata=meta, id=f"{chunk.metadata['article_id']}@{base + a}"))
    return out


def _terms(text: str) -> list[str]:
    return stem_words(tokenize(text))


def _bm25(question: str, texts: list[str]) -> list[float]:
    """BM25 of each text for the question's terms, with document frequencies over ``texts`` alone."""
    asked = set(_terms(question))
    docs = [Counter(_terms(t)) for t in texts]
    lengths = [sum(d.values()) for d in docs]
    mean_length = sum(lengths) / len(docs) or 1.0
    df = Counter(term for d in docs for term in d)
    idf = {t: math.log(1 + (len(docs) - df[t] + 0.5) / (df[t] + 0.5)) for t in asked}
    return [
        sum(idf[t] * d[t] * (BM25_K1 + 1) / (d[t] + BM25_K1 * (1 - BM25_B + BM25_B * n / mean_length)) for t in asked if d[t])
        for d, n in zip(docs, lengths, strict=True)
    ]


def select_evidence(question: str, chunks: list[Document], embeddings: Embeddings, limit: int) -> Evidence:
    """The ``limit`` sentences of ``chunks`` that best match ``question``, best first."""
    candidates = _sentences(chunks)
    if not candidates:
        return Evidence([], 0.0)
    q_vec = embeddings.embed_query(question)
    texts = [d.page_content for d in candidates]
    vectors = embeddings.embed_documents(texts)
    cosines = [sum(x * y for x, y in zip(q_vec, vec, strict=True)) for vec in vectors]
    lexical = _bm25(question, texts)
    top_lexical = max(lexical) or 1.0
    scores = [cos + LEXICAL_WEIGHT * lex / top_lexical for cos, lex in zip(cosines, lexical, strict=True)]
    ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])[:limit]
    # BM25 is relative to the candidates, so whether they match the question at all is judged on an
    # absolute scale: cosine plus the share of the question's words a sentence holds.
    q_words = _words(question)
    relevance = max(
        cos + LEXICAL_WEIGHT * len(q_words & _words(t)) / max(len(q_words), 1) for cos, t in zip(cosines, texts, strict=True)
    )
    return Evidence([candidates[i] for i in ranked], relevance)


def _words(text: str) -> set[str]:
    return {w.strip(".,;:!?\"'()").lower() for w in text.split()} - {""}
