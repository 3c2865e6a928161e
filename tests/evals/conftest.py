"""Eval fixtures: the seed articles as a corpus (no store, no model) and crafted answers over them."""

from __future__ import annotations

import pytest

from service.chains.answer import Answer
from service.citations.verify import Citation, Sentence, Source
from service.evals.corpus import Corpus, CorpusArticle
from service.evals.dataset import Dataset, load_dataset
from service.ingest.clean import clean
from service.ingest.loaders import iter_files, load_file
from service.settings import PROJECT_ROOT

EVALS = PROJECT_ROOT / "evals"
MM, ND = "Minute Mirror", "The New Daily"


@pytest.fixture(scope="session")
def seed_corpus() -> Corpus:
    """The seeds cleaned exactly as ingestion cleans them: same ids, outlets and text."""
    articles = [clean(raw) for path in iter_files([PROJECT_ROOT / "seeds"]) for raw in load_file(path, 10**7)]
    return Corpus(CorpusArticle(a.id, a.outlet, a.source, a.text) for a in articles)


@pytest.fixture(scope="session")
def seeds_dataset() -> Dataset:
    return load_dataset(EVALS / "seeds.yaml")


class Crafter:
    """Builds Answer objects whose citations point at real spans of the seed articles."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def article(self, outlet: str) -> CorpusArticle:
        return next(a for a in self.corpus.articles.values() if a.outlet == outlet)

    def source(self, n: int, outlet: str, containing: str) -> Source:
        """A retrieved 'chunk': the paragraph of the article that contains ``containing``."""
        a = self.article(outlet)
        at = a.text.index(containing)
        start = a.text.rfind("\n\n", 0, at) + 2 if "\n\n" in a.text[:at] else 0
        end = a.text.find("\n\n", at)
        end = len(a.text) if end == -1 else end
        return Source(n, f"{a.id}:{n:04d}", a.id, "title", a.outlet, a.text[start:end], start)

    def answer(
        self,
        question: str,
        sentences: list[tuple[str, list[tuple[str, str]]]],
        sources: list[Source] | None = None,
        abstained: bool = False,
    ) -> Answer:
        """``sentences``: (text, [(outlet, verbatim quote from that outlet's article), ...])."""
        citations: list[Citation] = []
        built = []
        for text, cites in sentences:
            numbers = []
            for outlet, quote in cites:
                a = self.article(outlet)
                start = a.text.index(quote)
                citations.append(
                    Citation(len(citations) + 1, 1, a.id, "title", a.outlet, f"{a.id}:0000", quote, start, start + len(quote))
                )
                numbers.append(len(citations))
            built.append(Sentence(text, numbers, unsupported=not numbers))
        return Answer(
            question=question,
            standalone_question=question,
            text="The articles don't say." if abstained else " ".join(s.text for s in built),
            abstained=abstained,
            sentences=[] if abstained else built,
            citations=[] if abstained else citations,
            sources=sources or [],
            prompt_version="answer@test",
            model="crafted",
            usage={"prompt_tokens": 700, "completion_tokens": 0 if abstained else 40, "total_tokens": 740},
            timings={"total_s": 1.5},
        )


@pytest.fixture
def craft(seed_corpus: Corpus) -> Crafter:
    return Crafter(seed_corpus)
