"""The embedded chat model: a shipped GGUF run in-process by llama.cpp, as a LangChain chat model.

One ``Llama`` per process and model file, guarded by a lock: llama.cpp serves one generation
at a time. ``response_format`` (bound with ``.bind``) turns on llama.cpp's JSON-schema grammar.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from service.errors import TimedOut

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


@lru_cache(maxsize=2)
def load_llama(path: str, n_ctx: int, threads: int | None) -> tuple[Any, threading.Lock]:
    from llama_cpp import Llama

    # None keeps llama.cpp's default, half the cores: on a shared 2-core box, oversubscribed
    # llama.cpp threads spin and an answer took >120 s where one thread took ~30 s.
    llm = Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False)
    return llm, threading.Lock()


class ChatLocalLlama(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path
    model_name: str
    n_ctx: int = 4096
    threads: int | None = None
    temperature: float = 0.0
    max_tokens: int = 256
    timeout_s: float = 120.0

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-local"

    def _call(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> Iterator[dict[str, Any]]:
        llm, lock = load_llama(str(self.model_path), self.n_ctx, self.threads)
        payload = [{"role": _ROLES.get(m.type, m.type), "content": str(m.content)} for m in messages]
        with lock:
            # llama.cpp reuses the KV cache of the previous prompt's common prefix and evaluates
            # only the rest, in other batches, which can change logits slightly: greedy output
            # then depends on what the process generated before. An empty context keeps output
            # a function of the prompt alone, so the CLI and a long-lived server agree.
            # ``keep_context`` is for a step that continues the previous step's conversation.
            if not kwargs.get("keep_context"):
                llm.reset()
            yield from llm.create_chat_completion(
                messages=payload,
                temperature=kwargs.get("temperature", self.temperature),
                max_tokens=kwargs.get("max_tokens", self.max_tokens),
                stop=stop,
                response_format=kwargs.get("response_format"),
                stream=True,
            )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llm, _ = load_llama(str(self.model_path), self.n_ctx, self.threads)
        started = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        for event in self._call(messages, stop, **kwargs):
            if time.perf_counter() - started > self.timeout_s:  # closing the generator stops llama.cpp
                raise TimedOut(f"the local model {self.model_name!r} took longer than {self.timeout_s:.0f}s")
            delta = event["choices"][0]["delta"].get("content") or ""
            if not delta:
                continue
            first = first or time.perf_counter()
            parts.append(delta)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
            if run_manager:
                run_manager.on_llm_new_token(delta, chunk=chunk)
            yield chunk
        done = time.perf_counter()
        prompt_tokens = self._count_prompt_tokens(llm, messages)
        completion_tokens = len(llm.tokenize("".join(parts).encode(), add_bos=False))
        timings = {"prefill_s": (first or done) - started, "generation_s": done - (first or done), "total_s": done - started}
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata={
                    "input_tokens": prompt_tokens,
                    "output_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
                response_metadata={"model_name": self.model_name, "timings": timings},
            )
        )

    @staticmethod
    def _count_prompt_tokens(llm: Any, messages: list[BaseMessage]) -> int:
        return sum(len(llm.tokenize(str(m.content).encode(), add_bos=False)) + 4 for m in messages)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        merged: ChatGenerationChunk | None = None
        for chunk in self._stream(messages, stop, run_manager, **kwargs):
            merged = chunk if merged is None else merged + chunk
        assert merged is not None
        message = AIMessage(
            content=merged.message.content,
            usage_metadata=merged.message.usage_metadata,  # type: ignore[attr-defined]
            response_metadata=merged.message.response_metadata,
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
