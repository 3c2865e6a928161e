"""Load the models in the background at start-up, so ``/readyz`` can tell when answers are possible."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Literal

from service.api.errors import classify
from service.api.gate import ModelGate
from service.desk import Newsdesk
from service.models.errors import model_errors


def warm(desk: Newsdesk) -> None:
    """Load the embedding and chat models (a one-token answer: also proves a remote model is reachable)."""
    desk.embeddings.embed_query("warm-up")
    with model_errors(desk.settings.chat_model_name):
        desk.llm.invoke("Reply OK.", max_tokens=1)


class ModelWarmup:
    retry_after_s = 5.0

    def __init__(self, desk: Newsdesk, gate: ModelGate) -> None:
        self.desk = desk
        self.gate = gate
        self.status: Literal["idle", "loading", "ready", "failed"] = "idle"
        self.error = ""  # of the last failed attempt, kept while a retry runs
        self._failed_at = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start loading; after a failure, try again (each ``/readyz`` asks, at most every few seconds)."""
        retry_due = self.status == "failed" and time.monotonic() - self._failed_at >= self.retry_after_s
        if self.status == "idle" or retry_due:
            self.status = "loading"
            self._task = asyncio.ensure_future(self._load())

    async def _load(self) -> None:
        try:
            # Through the gate: a request arriving meanwhile waits instead of loading a second copy.
            await self.gate.run(lambda _stop: warm(self.desk), timed=False)
        except Exception as exc:
            self.status, self.error, self._failed_at = "failed", classify(exc)[2], time.monotonic()
        else:
            self.status, self.error = "ready", ""

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.status == "loading":
            self.status = "idle"  # a restarted app loads again

    def describe(self) -> str:
        if self.status == "ready":
            return "ok"
        return f"failed: {self.error}" if self.error else "loading"
