"""The ``/newsdesk`` slash command's grammar: ``ask <question>``, ``summarize [article …]``, ``articles``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.errors import InvalidInput, NotFound
from service.store.chroma import StoredArticle

USAGE = (
    "Usage: `/newsdesk ask <question>` · `/newsdesk summarize [article id or title words]` "
    "(no article: all of them) · `/newsdesk articles` (ids and titles)"
)


@dataclass(frozen=True)
class Command:
    verb: Literal["ask", "summarize", "articles", "help"]
    arg: str = ""


def parse(text: str) -> Command:
    verb, _, arg = (text or "").strip().partition(" ")
    verb, arg = verb.lower(), arg.strip()
    if verb == "ask" and arg:
        return Command("ask", arg)
    if verb in ("summarize", "summarise"):
        return Command("summarize", arg)
    if verb == "articles":
        return Command("articles")
    return Command("help")


def resolve_articles(arg: str, articles: list[StoredArticle]) -> list[str] | None:
    """Article ids for ``summarize``'s argument: none (all), ids, or words of one title."""
    if not arg:
        return None
    ids = {a.id for a in articles}
    words = arg.split()
    if all(w in ids for w in words):
        return words
    needle = arg.casefold()
    matches = [a.id for a in articles if needle in a.title.casefold()]
    if len(matches) == 1:
        return matches
    if not matches:
        raise NotFound(f"no article has the id or a title containing {arg!r}; `/newsdesk articles` lists them")
    raise InvalidInput(f"{len(matches)} articles have titles containing {arg!r}; give an id from `/newsdesk articles`")
