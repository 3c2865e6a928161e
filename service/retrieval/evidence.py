"""From retrieved chunks to the few sentences worth showing the model.

Whole 700-character chunks make a long prompt (slow prefill on a CPU) with much for a small
model to misread. Instead each retrieved chunk is split into sentences, every sentence is scored
against the question (embedding cosine plus the share of the question's words it holds), and the
best ones are kept, best first (small models lean towards the first sources they see). Each
kept sentence is its own numbered source, with its offset in the article, so a
citation can only ever point at one exact sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from service.text.sentences import sentence_spans

LEXICAL_WEIGHT = 0.3
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


def _words(text: str) -> set[str]:
    return {w.strip(".,;:!?\"'()").lower() for w in text.split()} - {""}


def select_evidence(question: str, chunks: list[Document], embeddings: Embeddings, limit: int) -> Evidence:
    """The ``limit`` sentences of ``chunks`` that best match ``question``, best first."""
    candidates = _sentences(chunks)
    if not candidates:
        return Evidence([], 0.0)
    q_vec = embeddings.embed_query(question)
    vectors = embeddings.embed_documents([d.page_content for d in candidates])
    q_words = _words(question)
    scores = []
    for doc, vec in zip(candidates, vectors, strict=True):
        cos = sum(x * y for x, y in zip(q_vec, vec, strict=True))
        lexical = len(q_words & _words(doc.page_content)) / max(len(q_words), 1)
        scores.append(cos + LEXICAL_WEIGHT * lexical)
    ranked = sorted(range(len(candidates)), key=lambda i: -scores[i])[:limit]
    return Evidence([candidates[i] for i in ranked], max(scores))
