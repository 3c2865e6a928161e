from __future__ import annotations

import pytest

from service.errors import InvalidInput, NotFound
from service.slack.commands import Command, parse, resolve_articles
from service.store.chroma import StoredArticle

ARTICLES = [
    StoredArticle("a1", "Blinken in Beijing", "Minute Mirror", None, None, "a.txt", 3),
    StoredArticle("b2", "Blinken begins rare China trip", "BBC", None, None, "b.txt", 3),
]


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("ask Who greeted Blinken?", Command("ask", "Who greeted Blinken?")),
        ("  ASK   why?  ", Command("ask", "why?")),
        ("ask", Command("help")),
        ("summarize", Command("summarize", "")),
        ("summarise a1 b2", Command("summarize", "a1 b2")),
        ("articles", Command("articles")),
        ("", Command("help")),
        ("what is this", Command("help")),
    ],
)
def test_parse(text: str, command: Command) -> None:
    assert parse(text) == command


def test_summarize_takes_ids_or_words_of_one_title() -> None:
    assert resolve_articles("", ARTICLES) is None
    assert resolve_articles("a1 b2", ARTICLES) == ["a1", "b2"]
    assert resolve_articles("rare CHINA", ARTICLES) == ["b2"]
    with pytest.raises(InvalidInput, match="2 articles"):
        resolve_articles("blinken", ARTICLES)
    with pytest.raises(NotFound, match="/newsdesk articles"):
        resolve_articles("moon landing", ARTICLES)
