"""Several API processes on one port (``newsdesk serve --workers N``): what they need before they start.

- A Chroma server. Embedded Chroma keeps each process's vector index in memory: a worker does not
  see chunks another worker added (measured: the other process's count grows, its nearest
  neighbours stay as they were), so uploads would answer on some requests and not on others.
- One metrics folder for all of them (see :mod:`service.api.metrics`), fresh for each start, removed at the end.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from service.api.metrics import METRICS_DIR_ENV
from service.errors import InvalidInput
from service.settings import Settings


@contextmanager
def prepared_workers(settings: Settings, workers: int) -> Iterator[None]:
    """Refuse settings that N processes can't share; while inside, the workers' metrics folder is in the environment."""
    if workers <= 1:
        yield
        return
    if not settings.chroma_host:
        raise InvalidInput(
            f"{workers} workers need a Chroma server (NEWSDESK_CHROMA_HOST): embedded Chroma serves one process, "
            "and a worker would not find what another one stored"
        )
    with tempfile.TemporaryDirectory(prefix="newsdesk-metrics-") as folder:
        os.environ[METRICS_DIR_ENV] = folder
        try:
            yield
        finally:
            del os.environ[METRICS_DIR_ENV]
