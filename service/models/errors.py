"""Turn provider failures into Newsdesk errors a user can act on (503 / 504), never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import openai

from service.errors import InvalidInput, NewsdeskError, TimedOut, Unavailable

# How llama.cpp (in-process and its server), OpenAI and vLLM say that a prompt is too long.
_OVERFLOW_MARKERS = ("exceed context window", "maximum context length", "context_length_exceeded", "exceeds the available context")


class ContextOverflow(InvalidInput):
    """The question, its sources and the earlier turns do not fit the model's context window."""

    code = "context_overflow"


def _overflow(model: str, exc: Exception) -> ContextOverflow | None:
    if not any(marker in str(exc) for marker in _OVERFLOW_MARKERS):
        return None
    return ContextOverflow(
        f"the question and its sources do not fit the context window of {model!r}: ask a shorter question or "
        "send fewer earlier turns (operators: lower NEWSDESK_TOP_K or NEWSDESK_CHUNK_SIZE, or raise NEWSDESK_LOCAL_N_CTX)"
    )


@contextmanager
def model_errors(model: str) -> Iterator[None]:
    try:
        yield
    except NewsdeskError:
        raise
    except openai.APITimeoutError as exc:
        raise TimedOut(f"the model {model!r} did not answer in time") from exc
    except openai.APIConnectionError as exc:
        raise Unavailable(f"the model server for {model!r} is unreachable: {exc}") from exc
    except (openai.APIStatusError, ValueError) as exc:
        if (overflow := _overflow(model, exc)) is not None:
            raise overflow from exc
        if isinstance(exc, openai.APIStatusError):
            raise Unavailable(f"the model server for {model!r} answered HTTP {exc.status_code}: {exc.message}") from exc
        raise
