"""Load the models in the background at start-up, so ``/readyz`` can tell when answers are possible."""

from __future__ import annotations

import asyncio
import contextlib
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
    def __init__(self, desk: Newsdesk, gate: ModelGate) -> None:
        self.desk = desk
        self.gate = gate
        self.status: Literal["idle", "loading", "ready", "failed"] = "idle"
        self.error = ""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start loading; also retries after a failure (each ``/readyz`` asks for that)."""
        if self.status in ("idle", "failed"):
            self.status = "loading"
            self._task = asyncio.ensure_future(self._load())

    async def _load(self) -> None:
        try:
            # Through the gate: a request arriving meanwhile waits instead of loading a second copy.
            await self.gate.run(lambda _stop: warm(self.desk), timed=False)
        except Exception as exc:
            self.status, self.error = "failed", classify(exc)[2]
        else:
            self.status, self.error = "ready", ""

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def describe(self) -> str:
        return {"idle": "not loaded", "loading": "loading", "ready": "ok"}.get(self.status, f"failed: {self.error}")
