from __future__ import annotations

from dataclasses import replace

import pytest

from service.errors import Busy, InvalidInput, NotFound, TimedOut, Unavailable
from service.slack.blocks import NOTHING_CITED, SECTION_LIMIT, apology, result_blocks, to_mrkdwn
from service.slack.feedback import FeedbackRef
from tests.slack.conftest import CITATION, canned_answer

REF = FeedbackRef("answer", "Who greeted Blinken?", "answer@v1", "fake-model")


def _sections(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_an_answer_lists_its_sources_with_quotes_then_context_and_buttons() -> None:
    blocks = result_blocks(canned_answer(), REF, heading="<@U1> asked: who?")
    assert [b["type"] for b in blocks] == ["section", "section", "section", "context", "actions"]
    assert _sections(blocks) == [
        "<@U1> asked: who?",
        "Yang Tao greeted Blinken [1].",
        "*Sources*\n*[1]* Blinken in Beijing — Minute Mirror\n> “Blinken was greeted by Yang Tao, a senior official.”",
    ]
    assert blocks[3]["elements"][0]["text"] == "prompt `answer@v1` · model `fake-model`"
    assert FeedbackRef.from_value(blocks[4]["elements"][0]["value"]) == REF


def test_nothing_cited_is_said_plainly() -> None:
    abstained = replace(canned_answer(), text="The articles don't say.", citations=[], abstained=True)
    assert _sections(result_blocks(abstained, REF))[-1] == f"*Sources*\n{NOTHING_CITED}"


def test_text_is_escaped_and_markdown_becomes_mrkdwn() -> None:
    assert to_mrkdwn("**Reported by all** <b> & co\n- one [1]") == "*Reported by all* &lt;b&gt; &amp; co\n• one [1]"


def test_long_answers_and_many_sources_stay_within_slack_limits() -> None:
    many = [replace(CITATION, n=n, quote="word " * 200) for n in range(1, 31)]
    long = replace(canned_answer(), text="A long sentence [1]. " * 400, citations=many)
    blocks = result_blocks(long, REF)
    assert len(blocks) <= 50
    assert all(len(t) <= SECTION_LIMIT for t in _sections(blocks))
    assert sum(t.count("*[") for t in _sections(blocks)) == 30


@pytest.mark.parametrize(
    ("exc", "start"),
    [
        (InvalidInput("the question is empty"), "Sorry, I can't do that: the question is empty"),
        (NotFound("no article with id 'x'"), "Sorry, I can't do that: no article with id 'x'"),
        (TimedOut("no answer within 180s"), "Sorry, that took too long"),
        (Busy("queue full"), "Sorry, I'm busy"),
        (Unavailable("http://10.0.0.1:8000 refused"), "Sorry, the model or the article store is unavailable"),
        (KeyError("internal"), "Sorry, something went wrong"),
    ],
)
def test_apologies_are_short_and_only_quote_the_users_own_mistakes(exc: Exception, start: str) -> None:
    text = apology(exc)
    assert text.startswith(start)
    assert "10.0.0.1" not in text and "internal" not in text and "queue full" not in text
