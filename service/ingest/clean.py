"""Strip page furniture (subscribe banners, photo credits, footers) from an article body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from service.errors import InvalidInput
from service.ingest.models import Article, RawArticle

_RULES_FILE = Path(__file__).with_name("boilerplate.yaml")


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    outlet_group: str | None


@lru_cache
def _rules() -> tuple[_Rule, ...]:
    spec = yaml.safe_load(_RULES_FILE.read_text())
    return tuple(_Rule(re.compile(entry["pattern"], re.IGNORECASE), entry.get("outlet")) for entry in spec["strip"])


def clean(raw: RawArticle) -> Article:
    """Drop boilerplate lines, normalise paragraphs; find the outlet in a banner if none is given."""
    outlet = raw.outlet
    paragraphs: list[str] = []
    for line in raw.body.splitlines():
        stripped = " ".join(line.split())
        if not stripped:
            continue
        rule = next((r for r in _rules() if r.pattern.fullmatch(stripped)), None)
        if rule is None:
            paragraphs.append(stripped)
        elif outlet is None and rule.outlet_group:
            outlet = rule.pattern.fullmatch(stripped).group(rule.outlet_group).strip()  # type: ignore[union-attr]
    text = "\n\n".join(paragraphs)
    if not text:
        raise InvalidInput("no story text left after removing boilerplate")
    title = raw.title or paragraphs[0][:120]
    return Article(
        source=raw.source, title=title, text=text, outlet=outlet, published=raw.published, url=raw.url, author=raw.author
    )
