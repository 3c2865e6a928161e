"""Cited summaries on the real embedded model: the seeds, one article and both together."""

import pytest

from service.chains.summary_write import is_whole
from service.desk import Newsdesk
from service.errors import NotFound

pytestmark = pytest.mark.llm

BOTH = {"Minute Mirror", "The New Daily"}
# Facts of evals/seeds_summary.yaml: the outlets that report each one.
UNIQUE = {"Hua Chunying": "Minute Mirror", "objectives": "The New Daily"}
SHARED = ["balloon", "Qin Gang", "Wang Yi"]


def test_cross_source_labels_are_true_and_each_outlets_unique_facts_are_listed(seeded_desk: Newsdesk) -> None:
    summary = seeded_desk.summarizer().summarize()
    assert summary.prompt_version == seeded_desk.settings.summary_prompt and summary.model
    assert summary.bullets and all(b.citations for b in summary.bullets)
    by_number = {c.n: c for c in summary.citations}
    for b in summary.bullets:
        assert {by_number[n].outlet for n in b.citations} == set(b.outlets), b
        assert b.scope == ("all" if set(b.outlets) == BOTH else "only"), b
        assert is_whole(b.text), b.text
    for c in summary.citations:
        assert seeded_desk.store.get_article(c.article_id).text[c.start : c.end] == c.quote
    for fact, outlet in UNIQUE.items():
        stating = [b for b in summary.bullets if fact in b.text]
        assert stating, f"{fact!r} ({outlet} only) is missing:\n{summary.text}"
        assert all(b.outlets == [outlet] for b in stating), summary.text
        assert f"**Only in {outlet}**" in summary.text
    for fact in SHARED:
        assert all(set(b.outlets) == BOTH for b in summary.bullets if fact in b.text), summary.text
    assert "Reported by all sources" in summary.text


def test_one_article_summary_is_short_whole_and_cited(seeded_desk: Newsdesk) -> None:
    article = next(a for a in seeded_desk.store.list_articles() if a.outlet == "The New Daily")
    summary = seeded_desk.summarizer().summarize([article.id], max_sentences=3)
    assert 1 <= len(summary.bullets) <= 3
    assert len(" ".join(b.text for b in summary.bullets).split()) <= 90
    assert all(b.citations and is_whole(b.text) for b in summary.bullets)


def test_unknown_article_id_is_not_found(seeded_desk: Newsdesk) -> None:
    with pytest.raises(NotFound, match="nope"):
        seeded_desk.summarizer().summarize(["nope"])
