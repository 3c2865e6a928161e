"""The article record that moves through ingestion."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawArticle:
    """An article as read from a file, before cleaning."""

    source: str
    body: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Article:
    """A cleaned article; ``text`` is what chunk offsets and citation quotes refer to."""

    source: str
    title: str
    text: str
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None  # not part of the id: the same story with a byline added is the same content
    id: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256("\x1f".join([self.title, self.outlet or "", self.published or "", self.text]).encode()).hexdigest()
        object.__setattr__(self, "id", digest[:16])


@dataclass(frozen=True)
class Chunk:
    article_id: str
    index: int
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return f"{self.article_id}:{self.index:04d}"
