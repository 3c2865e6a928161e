"""Exactly one answer per event, command and click, across every worker of this host.

Slack retries an event when it got no 200 within 3 seconds, with the same ``event_id``. The bot
acknowledges before working, so a retry usually means the first delivery is being answered and is
dropped; but a retry whose first delivery never arrived is the first this host sees, and is
answered. Slash commands and button clicks carry a ``trigger_id``: a replayed (still signed, still
fresh) request has the same one and is dropped. What was seen is kept in SQLite in ``DATA_DIR``,
shared by every API worker on the host (with a remote Chroma and several hosts, it is per host).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)


class SeenStore:
    """Keys seen in the last ``ttl_s`` seconds, in a SQLite file that several processes share."""

    def __init__(self, path: Path, ttl_s: float = 3600) -> None:
        self.path = path
        self.ttl_s = ttl_s
        self._pruned = 0.0
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS seen_at ON seen (at)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def first_time(self, key: str) -> bool:
        """True for the first caller with ``key`` within the TTL, in any process; atomic."""
        now = time.time()
        db = self._connect()
        try:
            if now - self._pruned > min(60.0, self.ttl_s / 2):
                db.execute("DELETE FROM seen WHERE at < ?", (now - self.ttl_s,))
                self._pruned = now
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT at FROM seen WHERE key = ?", (key,)).fetchone()
            fresh = row is None or row[0] < now - self.ttl_s
            if fresh:
                db.execute("INSERT OR REPLACE INTO seen (key, at) VALUES (?, ?)", (key, now))
            db.execute("COMMIT")
            return fresh
        finally:
            db.close()


def delivery_key(req: AsyncBoltRequest) -> str | None:
    """What makes a delivery unique: its ``event_id`` (events), else its ``trigger_id`` (commands, clicks)."""
    body = req.body if isinstance(req.body, dict) else {}
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    signature = req.headers.get("x-slack-signature", [None])[0]
    return f"signature:{signature}" if signature else None


class EventGate(AsyncMiddleware):
    """Runs before authorization, so a dropped delivery costs no Web API call."""

    def __init__(self, seen: SeenStore) -> None:
        self.seen = seen

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        key = delivery_key(req)
        if key and not self.seen.first_time(key):
            retry = req.headers.get("x-slack-retry-num", [None])[0]
            log.info("slack delivery %s seen before (retry %s), dropped", key, retry)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return await next()
