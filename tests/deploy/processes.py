"""The services of docker-compose.yml as plain processes on loopback: `chroma run`, an
OpenAI-compatible llama server on the same GGUF, and `newsdesk serve`, each logging to a file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TypeVar

from tests.conftest import BIN, stop, suite_env, wait_http

T = TypeVar("T")


def newsdesk_env(settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with every NEWSDESK_* variable replaced by ``settings``."""
    return suite_env() | dict(settings)


@contextmanager
def running(
    args: list[str], log: Path, ready_url: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Iterator[subprocess.Popen]:
    """``args`` as a process, once ``ready_url`` answers; stopped on exit (if it still runs)."""
    with log.open("ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=dict(env) if env else None)
    try:
        wait_http(ready_url, proc, timeout=timeout)
        yield proc
    finally:
        if proc.poll() is None:
            stop(proc)


@contextmanager
def side_by_side(*managers: AbstractContextManager[T]) -> Iterator[list[T]]:
    """Enter ``managers`` at once (their processes start in parallel); exit every one that started."""
    with ExitStack() as stack, ThreadPoolExecutor(len(managers)) as pool:
        futures = [pool.submit(m.__enter__) for m in managers]
        for manager, future in zip(managers, futures, strict=True):
            if future.exception() is None:
                stack.push(manager)
        yield [f.result() for f in futures]  # the first failure raises here, after all have started or failed


def chroma_run(path: Path, port: int, log: Path) -> AbstractContextManager[subprocess.Popen]:
    """`chroma run` (the compose `chroma` service) on ``path``."""
    args = [str(BIN / "chroma"), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)]
    return running(args, log, f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=60)


def llama_server(gguf: Path, port: int, alias: str, log: Path) -> AbstractContextManager[subprocess.Popen]:
    """llama-cpp-python's OpenAI-compatible server (the compose `llm` service) on ``gguf``."""
    args = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", alias,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
        # By default a new request cuts the one streaming short: wrong when several API processes share it.
        "--interrupt_requests", "False",
    ]  # fmt: skip
    return running(args, log, f"http://127.0.0.1:{port}/v1/models")


def newsdesk_serve(settings: Mapping[str, str], log: Path) -> AbstractContextManager[subprocess.Popen]:
    """`newsdesk serve` (the compose `api` service, its CMD), configured by NEWSDESK_* variables only."""
    url = f"http://{settings['NEWSDESK_HOST']}:{settings['NEWSDESK_PORT']}/healthz"
    return running([str(BIN / "newsdesk"), "serve"], log, url, env=newsdesk_env(settings))


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""
