"""Publication dates: ISO ``YYYY-MM-DD`` from metadata values and from datelines in a story's text."""

from __future__ import annotations

import datetime as dt
import re

import dateparser

_LABEL = re.compile(r"^(?:first\s+)?(?:published|updated|posted|date)(?:\s+on)?\s*:?\s*", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_STRICT = {"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"], "RETURN_AS_TIMEZONE_AWARE": False}
MAX_DATELINE_CHARS = 60
DATELINE_LINES = 5


def parse_date(value: str) -> str | None:
    """``value`` as an ISO date if it is one whole date (any common English spelling), else None."""
    value = _LABEL.sub("", value.strip()).strip()
    if len(value) > MAX_DATELINE_CHARS or not _YEAR.search(value):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    parsed = dateparser.parse(value, languages=["en"], settings=_STRICT)
    return parsed.date().isoformat() if parsed else None


def find_dateline(lines: list[str]) -> tuple[int, str] | None:
    """(index, ISO date) of the first line among the first few that is only a date ("Published 18 June 2023")."""
    for index, line in enumerate(lines[:DATELINE_LINES]):
        if (day := parse_date(line)) is not None:
            return index, day
    return None
