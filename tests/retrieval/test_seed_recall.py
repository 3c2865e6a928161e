"""The eval's retrieval recall on the seeds, without the model: every gold fact is in a retrieved chunk of its sources."""

from __future__ import annotations

from service.desk import Newsdesk
from service.evals.corpus import Corpus
from service.evals.dataset import load_dataset
from service.evals.match import normalise, states_normalised
from service.retrieval.hybrid import HybridRetriever
from service.settings import PROJECT_ROOT
from tests.conftest import SEEDS


def test_every_gold_fact_is_retrieved_from_its_sources(seeded_desk: Newsdesk) -> None:
    store = seeded_desk.store
    corpus = Corpus.from_store(store, SEEDS)
    retriever = HybridRetriever(store=store, k=seeded_desk.settings.top_k)
    missed, total = [], 0
    for item in load_dataset(PROJECT_ROOT / "evals" / "seeds.yaml").items:
        retrieved = retriever.invoke(item.question)
        for fact in getattr(item, "facts", None) or []:
            total += 1
            allowed = corpus.resolve_all(fact.sources)
            stating = [d for d in retrieved if states_normalised(normalise(d.page_content), fact)]
            if not any(d.metadata["article_id"] in allowed for d in stating):
                missed.append(f"{item.id}: {fact.label}")
    assert total >= 40 and missed == []  # evals/baseline.json: retrieval recall@5 40/40
