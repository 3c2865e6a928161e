"""Bounds on what one ingest may hold, so hostile input is refused in milliseconds, not parsed for minutes."""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import InvalidInput
from service.ingest.models import RawArticle
from service.settings import Settings


@dataclass(frozen=True)
class IngestLimits:
    """Defaults match :class:`Settings`; ``from_settings`` reads the configured values."""

    max_file_bytes: int = 5_000_000
    max_records: int = 1000
    max_record_chars: int = 200_000
    max_title_chars: int = 500
    max_outlet_chars: int = 200
    max_author_chars: int = 200
    max_url_chars: int = 2000
    max_date_chars: int = 40
    max_front_matter_bytes: int = 16_000
    max_json_depth: int = 20

    @classmethod
    def from_settings(cls, s: Settings) -> IngestLimits:
        return cls(
            max_file_bytes=s.max_file_bytes,
            max_records=s.max_records_per_upload,
            max_record_chars=s.max_record_chars,
            max_title_chars=s.max_title_chars,
            max_outlet_chars=s.max_outlet_chars,
            max_author_chars=s.max_author_chars,
            max_url_chars=s.max_url_chars,
            max_date_chars=s.max_date_chars,
            max_front_matter_bytes=s.max_front_matter_bytes,
            max_json_depth=s.max_json_depth,
        )

    def check(self, raw: RawArticle) -> RawArticle:
        """The article unchanged, or :class:`InvalidInput` naming the first field over its limit."""
        caps = (
            ("text", raw.body, self.max_record_chars, "MAX_RECORD_CHARS"),
            ("title", raw.title, self.max_title_chars, "MAX_TITLE_CHARS"),
            ("outlet", raw.outlet, self.max_outlet_chars, "MAX_OUTLET_CHARS"),
            ("author", raw.author, self.max_author_chars, "MAX_AUTHOR_CHARS"),
            ("url", raw.url, self.max_url_chars, "MAX_URL_CHARS"),
            ("published", raw.published, self.max_date_chars, "MAX_DATE_CHARS"),
        )
        for name, value, limit, setting in caps:
            if value is not None and len(value) > limit:
                raise InvalidInput(f"{name} is {len(value)} characters; the limit is {limit} (NEWSDESK_{setting})")
        return raw
