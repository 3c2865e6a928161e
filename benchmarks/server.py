"""Start ``newsdesk serve`` on loopback for a benchmark, on a given data dir."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
            deadline = time.monotonic() + 300
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited with {proc.returncode}; see {data_dir / 'server.log'}")
                try:
                    if httpx.get(f"{url}/readyz", timeout=10).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{url} was not ready in 300 s")
                time.sleep(0.5)
            yield url, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
