"""Gold datasets: questions (or summaries) with the facts a good output must state, and who states them.

The YAML format is documented in ``evals/README.md``. Loading validates the whole file with
pydantic and reports every problem in one error that names the file and the entries.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from service.errors import InvalidInput


class DatasetError(InvalidInput):
    """A dataset file that cannot be used; the message names the file and the entries."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceRef(_Strict):
    """Who states a fact: an outlet, an article (id or file name in the corpus), or both."""

    outlet: str | None = None
    article: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _outlet_shorthand(cls, value: Any) -> Any:
        return {"outlet": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _something(self) -> SourceRef:
        if not (self.outlet or self.article):
            raise ValueError("a source needs an `outlet` or an `article`")
        return self

    def __str__(self) -> str:
        return " / ".join(x for x in (self.outlet, self.article) if x)


class Fact(_Strict):
    """One gold fact: accepted phrasings (aliases and/or a regex) and the sources that state it."""

    id: str = ""
    aliases: list[str] = Field(default_factory=list)
    regex: str | None = None
    sources: list[SourceRef] = Field(default_factory=list)

    @field_validator("aliases", mode="before")
    @classmethod
    def _one_alias(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"regex {value!r} does not compile: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _phrasing(self) -> Fact:
        if not any(a.strip() for a in self.aliases) and not self.regex:
            raise ValueError("a fact needs `aliases` or a `regex`")
        return self

    @property
    def label(self) -> str:
        """How reports show the fact: its first alias, or its regex."""
        return self.aliases[0] if self.aliases else f"/{self.regex}/"


class _Item(_Strict):
    id: str = Field(min_length=1, pattern=r"^[\w.-]+$")
    facts: list[Fact] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list, description="Default sources for facts that name none.")
    tags: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fill_facts(self) -> _Item:
        seen: set[str] = set()
        for n, fact in enumerate(self.facts, 1):
            if not fact.sources:
                if not self.sources:
                    raise ValueError(f"fact {fact.label!r} names no `sources` (and the entry has no default `sources`)")
                fact.sources = list(self.sources)
            if not fact.id:
                fact.id = _slug(fact.aliases[0]) if fact.aliases else f"f{n}"
            if fact.id in seen:
                raise ValueError(f"two facts have the id {fact.id!r}; give one an explicit `id`")
            seen.add(fact.id)
        return self

    def fingerprint(self) -> str:
        """Changes whenever the entry changes, so a resumed run redoes edited entries."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class Question(_Item):
    question: str = Field(min_length=1)
    answerable: bool = True

    @model_validator(mode="after")
    def _facts_match_answerable(self) -> Question:
        if self.answerable and not self.facts:
            raise ValueError("an answerable question needs at least one fact (or set `answerable: false`)")
        if not self.answerable and self.facts:
            raise ValueError("an unanswerable question (`answerable: false`) cannot have facts")
        return self

    @property
    def prompt(self) -> str:
        return self.question


class SummaryItem(_Item):
    """A summary of some articles (``all`` for every article in the corpus) and the facts it must keep."""

    articles: list[SourceRef] | None = Field(description="What to summarise; `all` (None) is every article.")

    @field_validator("articles", mode="before")
    @classmethod
    def _all(cls, value: Any) -> Any:
        if value == "all":
            return None
        if value is None or isinstance(value, str):
            raise ValueError("`articles` is a list of sources, or `all`")
        return value

    @model_validator(mode="after")
    def _has_facts(self) -> SummaryItem:
        if not self.facts:
            raise ValueError("a summary entry needs at least one fact")
        return self

    @property
    def answerable(self) -> bool:
        return True

    @property
    def prompt(self) -> str:
        return "summary of " + ("all articles" if self.articles is None else ", ".join(map(str, self.articles)))


Item = Question | SummaryItem


class Dataset(_Strict):
    name: str = ""
    description: str = ""
    corpus: Path | None = Field(None, description="Folder of articles, relative to the dataset file.")
    questions: list[Question] | None = None
    summaries: list[SummaryItem] | None = None
    path: Path = Field(Path("."), exclude=True)

    @model_validator(mode="after")
    def _one_kind(self) -> Dataset:
        if (self.questions is None) == (self.summaries is None):
            raise ValueError("a dataset has either `questions` or `summaries` (exactly one of them)")
        if not self.items:
            raise ValueError("the dataset has no entries")
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"two entries have the id {item.id!r}")
            seen.add(item.id)
        return self

    @property
    def task(self) -> Literal["answer", "summary"]:
        return "answer" if self.questions is not None else "summary"

    @property
    def items(self) -> list[Item]:
        return list(self.questions if self.questions is not None else self.summaries or [])

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps([i.fingerprint() for i in self.items]).encode()).hexdigest()[:16]

    def select(self, tags: list[str] | None = None, ids: list[str] | None = None) -> list[Item]:
        """Entries carrying any of ``tags`` and/or named in ``ids`` (all entries when both are empty)."""
        if not tags and not ids:
            return self.items
        return [i for i in self.items if (ids and i.id in ids) or (tags and set(tags) & set(i.tags))]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "fact"


def load_dataset(path: Path) -> Dataset:
    """Read and validate a dataset file; any problem raises one :class:`DatasetError`."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such dataset file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise DatasetError(f"{path}: expected a mapping with `questions` or `summaries` at the top")
    try:
        dataset = Dataset.model_validate({**raw, "path": path})
    except ValidationError as exc:
        problems = "\n".join(f"  - {_where(raw, e['loc'])}: {_message(e)}" for e in exc.errors())
        raise DatasetError(f"{path}: {exc.error_count()} problem(s):\n{problems}") from None
    if dataset.corpus is not None and not dataset.corpus.is_absolute():
        dataset.corpus = (path.parent / dataset.corpus).resolve()
    return dataset


def _where(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """``questions[3] (id 'greeter') > facts[1] > regex`` from a pydantic error location."""
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        if isinstance(key, int):
            entry = node[key] if isinstance(node, list) and key < len(node) else None
            ident = entry.get("id") if isinstance(entry, dict) else None
            parts[-1] = f"{parts[-1]}[{key}]" + (f" (id {ident!r})" if ident and len(parts) == 1 else "")
            node = entry
        elif not re.fullmatch(r"\w+", str(key)):
            continue  # a union branch name, like list[...]: not part of the path in the file
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return " > ".join(parts) or "top level"


def _message(error: dict[str, Any]) -> str:
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")
