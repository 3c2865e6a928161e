"""Deterministic scoring on crafted answers: every metric can pass and can fail, no model needed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.evals.corpus import Corpus
from service.evals.dataset import Dataset, Item, SummaryItem
from service.evals.scoring import aggregate, score_item
from tests.evals.conftest import MM, ND, Crafter

GREETED_ND = "Chinese Foreign Minister Qin Gang greeted Mr Blinken and his group at the door to a villa"
GREETED_MM = "Upon arrival, Blinken was received by Chinese Foreign Minister Qin Gang at the door of a villa"
OBJECTIVES = "Mr Blinken said his trip had three main objectives"
HUA = "Hua Chunying, the Chinese assistant foreign minister who attended the meeting, expressed hope in a tweet"


def item(dataset: Dataset, item_id: str) -> Item:
    return next(i for i in dataset.items if i.id == item_id)


def test_correct_answer_cited_to_either_outlet_passes(seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> None:
    for outlet, quote in ((ND, GREETED_ND), (MM, GREETED_MM)):
        answer = craft.answer("Who greeted Blinken?", [("Qin Gang greeted Blinken.", [(outlet, quote)])])
        result = score_item(item(seeds_dataset, "greeter"), answer.to_dict(), seed_corpus)
        assert result.passed, result.problems()
        assert [f.ok for f in result.facts] == [True]


@pytest.mark.parametrize(
    ("item_id", "text", "wrong_outlet", "quote"),
    [
        # Three objectives: only The New Daily says so; citing Minute Mirror is a citation error.
        (
            "objectives",
            "The objectives were crisis management, interests and co-operation.",
            MM,
            "Blinken is expected to meet with China’s top diplomat Wang Yi",
        ),
        # Hua Chunying's tweet: only Minute Mirror; citing The New Daily is a citation error.
        ("hua-tweet", "Hua Chunying expressed hope in a tweet.", ND, "Chinese Foreign Minister Qin Gang greeted Mr Blinken"),
    ],
)
def test_fact_stated_but_cited_to_the_wrong_outlet_is_a_citation_error(
    seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter, item_id: str, text: str, wrong_outlet: str, quote: str
) -> None:
    answer = craft.answer("q", [(text, [(wrong_outlet, quote)])])
    result = score_item(item(seeds_dataset, item_id), answer.to_dict(), seed_corpus)
    assert all(f.stated for f in result.facts)
    assert not any(f.cited for f in result.facts)
    assert not result.passed
    assert any("not cited to its source" in p for p in result.problems())
    metrics, _ = aggregate([result])
    assert metrics["fact_recall"] == 1.0
    assert metrics["citation_accuracy"] == 0.0
    assert metrics["quote_validity"] == 1.0  # the quote itself is real; it just doesn't back this fact


def test_right_outlet_in_another_sentence_does_not_rescue_the_fact(
    seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter
) -> None:
    """Citations count for the sentence that states the fact, not for the answer as a whole."""
    answer = craft.answer(
        "q",
        [("Hua Chunying tweeted.", [(ND, GREETED_ND)]), ("Qin Gang met Blinken.", [(MM, GREETED_MM)])],
    )
    result = score_item(item(seeds_dataset, "hua-tweet"), answer.to_dict(), seed_corpus)
    assert result.facts[0].stated and not result.facts[0].cited


def test_uncited_fact_is_a_citation_error(seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> None:
    answer = craft.answer("q", [("Hua Chunying tweeted.", [])])
    result = score_item(item(seeds_dataset, "hua-tweet"), answer.to_dict(), seed_corpus)
    assert result.facts[0].stated and not result.facts[0].cited


def test_partial_answer_counts_each_fact(seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> None:
    answer = craft.answer("q", [("One objective was setting up mechanisms for crisis management.", [(ND, OBJECTIVES)])])
    result = score_item(item(seeds_dataset, "objectives"), answer.to_dict(), seed_corpus)
    assert [f.stated for f in result.facts] == [True, False, False]
    assert aggregate([result])[0]["fact_recall"] == pytest.approx(1 / 3)


def test_quote_not_verbatim_at_its_offsets_is_invalid(seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> None:
    answer = craft.answer("q", [("Qin Gang greeted Blinken.", [(ND, GREETED_ND)])])
    answer.citations[0] = replace(answer.citations[0], start=answer.citations[0].start + 1)
    result = score_item(item(seeds_dataset, "greeter"), answer.to_dict(), seed_corpus)
    assert result.invalid_quotes == [GREETED_ND]
    assert aggregate([result])[0]["quote_validity"] == 0.0
    answer.citations[0] = replace(answer.citations[0], article_id="no-such-article")
    assert score_item(item(seeds_dataset, "greeter"), answer.to_dict(), seed_corpus).invalid_quotes


def test_abstention(seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> None:
    unanswerable = item(seeds_dataset, "xi-said")
    declined = score_item(unanswerable, craft.answer("q", [], abstained=True).to_dict(), seed_corpus)
    assert declined.abstention_ok and declined.passed and not declined.generated
    hallucinated = craft.answer("q", [("Xi told Blinken about Taiwan.", [(ND, "self-ruled island of Taiwan")])])
    answered = score_item(unanswerable, hallucinated.to_dict(), seed_corpus)
    assert not answered.abstention_ok and answered.problems() == ["answered an unanswerable question"]
    refused = score_item(item(seeds_dataset, "greeter"), craft.answer("q", [], abstained=True).to_dict(), seed_corpus)
    assert not refused.abstention_ok and not refused.facts[0].stated
    metrics, counts = aggregate([declined, answered, refused])
    assert metrics["abstention"] == 0.5
    assert metrics["answer_rate"] == 0.0
    assert counts["generated"] == 1


def test_retrieval_recall_needs_the_fact_in_a_chunk_of_its_source(
    seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter
) -> None:
    hua = item(seeds_dataset, "hua-tweet")
    hit = craft.answer("q", [], sources=[craft.source(1, MM, "Hua Chunying")], abstained=True)
    miss = craft.answer("q", [], sources=[craft.source(1, ND, "Qin Gang greeted")], abstained=True)
    assert score_item(hua, hit.to_dict(), seed_corpus).facts[0].retrieved is True
    assert score_item(hua, miss.to_dict(), seed_corpus).facts[0].retrieved is False
    results = [score_item(hua, a.to_dict(), seed_corpus) for a in (hit, miss)]
    assert aggregate(results)[0]["retrieval_recall"] == 0.5


def test_aggregate_latency_tokens_and_errors(seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> None:
    good = score_item(item(seeds_dataset, "greeter"), craft.answer("q", [("Qin Gang.", [(ND, GREETED_ND)])]).to_dict(), seed_corpus)
    failed = score_item(item(seeds_dataset, "bali"), None, seed_corpus, error="TimedOut: the model did not answer in time")
    metrics, counts = aggregate([good, failed])
    assert metrics["latency_mean_s"] == 1.5 and metrics["tokens_mean"] == 740
    assert counts["errors"] == 1 and metrics["pass_rate"] == 0.5 and metrics["fact_recall"] == 0.5
    assert failed.problems() == ["error: TimedOut: the model did not answer in time"]


def test_summary_output_scored_from_its_bullets(seed_corpus: Corpus, craft: Crafter) -> None:
    summary = SummaryItem.model_validate(
        {
            "id": "s",
            "articles": "all",
            "facts": [{"aliases": ["Hua Chunying"], "sources": [MM]}, {"aliases": ["Wang Yi"], "sources": [MM, ND]}],
        }
    )
    answer = craft.answer("q", [("Hua Chunying tweeted.", [(MM, HUA)])])
    data = answer.to_dict()
    output = {
        "bullets": [{"text": s["text"], "citations": s["citations"]} for s in data["sentences"]],
        "citations": data["citations"],
        "text": answer.text,
        "usage": {},
        "timings": {"total_s": 30.0},
    }
    result = score_item(summary, output, seed_corpus)
    assert [(f.stated, f.cited, f.retrieved) for f in result.facts] == [(True, True, None), (False, False, None)]
    assert result.abstention_ok and result.latency_s == 30.0


def test_answer_right_counts_stated_facts_and_the_quote_must_hold_them(
    seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter
) -> None:
    greeter = item(seeds_dataset, "greeter")
    quoted = score_item(greeter, craft.answer("q", [("Qin Gang greeted Blinken.", [(ND, GREETED_ND)])]).to_dict(), seed_corpus)
    elsewhere = score_item(greeter, craft.answer("q", [("Qin Gang greeted Blinken.", [(ND, OBJECTIVES)])]).to_dict(), seed_corpus)
    uncited = score_item(greeter, craft.answer("q", [("Qin Gang greeted Blinken.", [])]).to_dict(), seed_corpus)
    assert quoted.right and elsewhere.right and uncited.right  # right is about the answer, not its citations
    assert [f.quoted for f in (*quoted.facts, *elsewhere.facts, *uncited.facts)] == [True, False, False]
    metrics, counts = aggregate([quoted, elsewhere, uncited])
    assert metrics["answer_right"] == 1.0 and counts["right_quoted"] == 1
    assert metrics["quote_holds_answer"] == pytest.approx(1 / 3)
    wrong = score_item(greeter, craft.answer("q", [("Wang Yi greeted Blinken.", [(ND, GREETED_ND)])]).to_dict(), seed_corpus)
    assert not wrong.right and aggregate([wrong])[0]["quote_holds_answer"] is None  # no right answer to look at


def test_wrong_answers_presented_as_supported_and_false_abstention(
    seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter
) -> None:
    taiwan = [("Xi told Blinken about Taiwan.", [(ND, "self-ruled island of Taiwan")])]
    confident = score_item(item(seeds_dataset, "xi-said"), craft.answer("q", taiwan).to_dict(), seed_corpus)
    flagged = score_item(
        item(seeds_dataset, "xi-said"), craft.answer("q", [*taiwan, ("He also mentioned trade.", [])]).to_dict(), seed_corpus
    )
    wrong_fact = score_item(
        item(seeds_dataset, "greeter"), craft.answer("q", [("Wang Yi greeted him.", [(ND, GREETED_ND)])]).to_dict(), seed_corpus
    )
    right = score_item(
        item(seeds_dataset, "greeter"), craft.answer("q", [("Qin Gang.", [(ND, GREETED_ND)])]).to_dict(), seed_corpus
    )
    declined = score_item(item(seeds_dataset, "bali"), craft.answer("q", [], abstained=True).to_dict(), seed_corpus)
    assert confident.presented_as_supported and not flagged.presented_as_supported and flagged.flagged == 1
    metrics, counts = aggregate([confident, flagged, wrong_fact, right, declined])
    assert counts["responded"] == 4 and counts["wrong_supported"] == 2  # confident + wrong_fact; flagged is shown as doubtful
    assert metrics["wrong_supported"] == 0.5
    assert metrics["false_abstention"] == pytest.approx(1 / 3)  # bali declined, of 3 answerable


def test_latency_median_and_p95(seeds_dataset: Dataset, seed_corpus: Corpus, craft: Crafter) -> None:
    results = []
    for seconds in (1.0, 2.0, 3.0, 10.0):
        answer = craft.answer("q", [("Qin Gang.", [(ND, GREETED_ND)])])
        answer.timings = {"total_s": seconds}
        results.append(score_item(item(seeds_dataset, "greeter"), answer.to_dict(), seed_corpus))
    metrics, _ = aggregate(results)
    assert metrics["latency_p50_s"] == 2.5 and 3.0 < metrics["latency_p95_s"] <= 10.0
