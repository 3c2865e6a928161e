"""Exactly one answer per event: Slack retries and repeated deliveries are acknowledged and dropped.

Slack retries an event when it got no 200 within 3 seconds; the bot acknowledges before working,
so a retry means the first delivery is already being answered (in this process or another
worker), and answering it again would post twice. Retries are acknowledged with
``X-Slack-No-Retry: 1``; a delivery whose ``event_id`` was already seen is dropped too.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)


class SeenSet:
    """Keys seen in the last ``ttl_s`` seconds (at most ``size`` of them, oldest dropped first)."""

    def __init__(self, ttl_s: float = 3600, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self.size or next(iter(self._seen.values())) < now - self.ttl_s):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


class EventGate(AsyncMiddleware):
    """Runs before authorization, so a dropped delivery costs no Web API call."""

    def __init__(self, seen: SeenSet | None = None) -> None:
        self.seen = seen or SeenSet()

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        retry = req.headers.get("x-slack-retry-num", [None])[0]
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if retry is not None:
            reason = req.headers.get("x-slack-retry-reason", ["unknown"])[0]
            log.info("slack retry %s of event %s (%s) acknowledged, not answered again", retry, event_id, reason)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        if event_id and not self.seen.first_time(str(event_id)):
            log.info("slack event %s delivered again, dropped", event_id)
            return BoltResponse(status=200, body="")
        return await next()
