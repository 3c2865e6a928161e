"""Search filters (article ids, outlet, date range) and their Chroma ``where`` form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class Filters(BaseModel):
    article_ids: list[str] | None = Field(None, description="Only these articles.")
    outlet: str | None = Field(None, description="Only articles from this outlet (exact name).")
    date_from: dt.date | None = Field(None, description="Published on or after this day.")
    date_to: dt.date | None = Field(None, description="Published on or before this day.")

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.article_ids:
            clauses.append({"article_id": {"$in": list(self.article_ids)}})
        if self.outlet:
            clauses.append({"outlet": self.outlet})
        if self.date_from:
            clauses.append({"published_day": {"$gte": _day(self.date_from)}})
        if self.date_to:
            clauses.append({"published_day": {"$lte": _day(self.date_to)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _day(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day
