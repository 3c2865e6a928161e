"""Cited summaries on the real embedded model."""

import pytest

from service.desk import Newsdesk
from service.errors import NotFound

pytestmark = pytest.mark.llm


def test_cross_source_summary_cites_the_right_outlet(seeded_desk: Newsdesk) -> None:
    summary = seeded_desk.summarizer().summarize()
    assert summary.prompt_version == "summary@v1" and summary.model
    assert summary.bullets and all(b.citations for b in summary.bullets)
    by_number = {c.n: c for c in summary.citations}
    for b in summary.bullets:
        cited_outlets = {by_number[n].outlet for n in b.citations}
        assert cited_outlets == set(b.outlets)
        if b.scope == "only":
            assert len(cited_outlets) == 1
        if b.scope == "all":
            assert cited_outlets == {"Minute Mirror", "The New Daily"}
    for c in summary.citations:
        assert seeded_desk.store.get_article(c.article_id).text[c.start : c.end] == c.quote
    objectives = [b for b in summary.bullets if "objectives" in b.text]
    assert all(b.outlets == ["The New Daily"] and b.scope == "only" for b in objectives)
    hua = [b for b in summary.bullets if "Hua" in b.text]
    assert all(b.outlets == ["Minute Mirror"] and b.scope == "only" for b in hua)
    assert "Reported by all sources" in summary.text


def test_unknown_article_id_is_not_found(seeded_desk: Newsdesk) -> None:
    with pytest.raises(NotFound, match="nope"):
        seeded_desk.summarizer().summarize(["nope"])
