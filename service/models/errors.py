"""Turn provider failures into Newsdesk errors a user can act on (503 / 504), never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import openai

from service.errors import NewsdeskError, TimedOut, Unavailable


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
    except openai.APIStatusError as exc:
        raise Unavailable(f"the model server for {model!r} answered HTTP {exc.status_code}: {exc.message}") from exc
