"""Start ``newsdesk serve`` on loopback for a benchmark, on a given data dir."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, gone: Callable[[], str | None], timeout: float, interval: float = 0.3) -> None:
    """Return once ``url`` answers 200; raise ``RuntimeError(gone())`` when the process behind it has
    stopped (``gone`` says why, or None while it runs), ``TimeoutError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if reason := gone():
            raise RuntimeError(reason)
        try:
            if httpx.get(url, timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} was not ready in {timeout:.0f} s")
        time.sleep(interval)


def exited(proc: subprocess.Popen, log: Path) -> str | None:
    """Why ``proc`` is gone (its exit code and log), or None while it runs."""
    return None if proc.poll() is None else f"{Path(proc.args[0]).name} exited with {proc.returncode}; see {log}"


def stop(proc: subprocess.Popen) -> None:
    """Terminate, and kill what doesn't stop within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def serve(data_dir: Path, **settings: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """(base URL, process) of a server that is ready (model loaded); settings become NEWSDESK_* env vars."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {"NEWSDESK_DATA_DIR": str(data_dir), **{f"NEWSDESK_{k.upper()}": v for k, v in settings.items()}}
    url = f"http://127.0.0.1:{port}"
    command = [str(Path(sys.executable).parent / "newsdesk"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with (data_dir / "server.log").open("wb") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"{url}/readyz", lambda: exited(proc, data_dir / "server.log"), timeout=300, interval=0.5)
            yield url, proc
        finally:
            stop(proc)
