"""One JSON-schema generation for a summary step, streamed so a stop request ends it at once."""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.utils.json import parse_partial_json

from service.errors import NewsdeskError
from service.models.errors import model_errors
from service.models.factory import response_format
from service.settings import Settings


class Cancelled(NewsdeskError):
    """Whoever wanted the summary has gone (timed out or disconnected); the model is free again."""

    status_code = 499
    code = "cancelled"


class StepModel:
    """Runs prompt steps on one chat model, adding up token usage; checks ``stop`` between tokens."""

    def __init__(self, llm: BaseChatModel, settings: Settings, stop: threading.Event | None = None) -> None:
        self.llm = llm
        self.settings = settings
        self.stop = stop or threading.Event()
        self.usage: dict[str, int] = {}

    def json(
        self, messages: list[BaseMessage], schema: dict[str, Any], max_tokens: int, keep_context: bool = False
    ) -> tuple[Any, str]:
        """The model's JSON reply, parsed and raw (a reply cut by the token limit is read as far as
        it goes). ``keep_context``: these messages continue the previous call's, whose context the
        local model keeps instead of reading them again."""
        self.check()
        options: dict[str, Any] = {"max_tokens": max_tokens, "response_format": response_format(self.settings, schema)}
        if keep_context and self.settings.chat_provider == "local":
            options["keep_context"] = True
        merged: AIMessageChunk | None = None
        stream = self.llm.bind(**options).stream(messages)
        try:
            with model_errors(self.settings.chat_model_name):
                for chunk in stream:
                    self.check()
                    merged = chunk if merged is None else merged + chunk  # type: ignore[assignment]
        finally:
            stream.close()  # releases the local model's lock at once
        meta = (merged.usage_metadata if merged else None) or {}
        for key, name in (
            ("prompt_tokens", "input_tokens"),
            ("completion_tokens", "output_tokens"),
            ("total_tokens", "total_tokens"),
        ):
            self.usage[key] = self.usage.get(key, 0) + int(meta.get(name, 0))  # type: ignore[call-overload]
        raw = str(merged.content) if merged else ""
        start = raw.find("{")
        return (parse_partial_json(raw[start:]) if start >= 0 else None), raw

    def check(self) -> None:
        if self.stop.is_set():
            raise Cancelled("the summary was stopped: its request timed out or went away")
