"""Shared fixtures: isolated settings, a seeded store on the real local models, real servers on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

# The suite runs the `fast` profile (Qwen2.5-Coder 0.5B) to keep CI short; the default profile,
# `quality` (1.5B), is run by tests/chains/test_default_profile.py and measured by the evals.
os.environ.setdefault("NEWSDESK_PROFILE", "fast")

from service.desk import Newsdesk  # noqa: E402
from service.settings import PROJECT_ROOT, Settings  # noqa: E402

SEEDS = PROJECT_ROOT / "seeds"
BIN = Path(sys.executable).parent
# The joined GGUF is ~500 MB: build it once per machine, not once per test run.
MODELS_CACHE = Path(os.environ.get("NEWSDESK_TEST_MODELS", PROJECT_ROOT / ".newsdesk"))


def suite_env() -> dict[str, str]:
    """This process's environment for a child process: no NEWSDESK_* settings but the suite's profile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    return env | {"NEWSDESK_PROFILE": os.environ["NEWSDESK_PROFILE"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(
    url: str,
    proc: subprocess.Popen | None = None,
    timeout: float = 120.0,
    ready: Callable[[httpx.Response], bool] = lambda r: r.status_code < 500,
) -> httpx.Response:
    """Poll ``url`` until ``ready`` accepts its response; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    last: httpx.Response | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before answering {url}")
        try:
            last = httpx.get(url, timeout=30)
            if ready(last):
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready within {timeout}s; last answer: {last.text if last else 'none'}")


def wait_ready(url: str, proc: subprocess.Popen | None = None, timeout: float = 240.0) -> dict:
    """The body of the API's /readyz once it says ready (model loaded, Chroma reachable)."""
    return wait_http(f"{url}/readyz", proc, timeout, ready=lambda r: r.status_code == 200).json()


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """A real uvicorn server on loopback, in this process (so tests can look at the app's state)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def make_settings(tmp: Path, **overrides: object) -> Settings:
    """Settings for a test: its own data dir, the shared joined model file."""
    (tmp / "models").mkdir(parents=True, exist_ok=True)
    shared = MODELS_CACHE / "models"
    shared.mkdir(parents=True, exist_ok=True)
    for gguf in shared.glob("*.gguf"):
        target = tmp / "models" / gguf.name
        if not target.exists():
            target.symlink_to(gguf)
    return Settings(data_dir=tmp, **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def local_gguf() -> Path:
    """The embedded model's GGUF, joined from its PyPI parts once."""
    from service.models.shipped import gguf_path

    return gguf_path(Settings().local_model, MODELS_CACHE / "models")


@pytest.fixture(scope="session")
def seeded_settings(tmp_path_factory: pytest.TempPathFactory, local_gguf: Path) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("seeded"))
    report = Newsdesk(settings).ingestor.ingest_paths([SEEDS])
    assert not report.errors and len(report.added) == 2
    return settings


@pytest.fixture(scope="session")
def seeded_desk(seeded_settings: Settings) -> Newsdesk:
    """A Newsdesk over the two seeds with the real embedded models (shared: loads the model once)."""
    return Newsdesk(seeded_settings)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real ``chroma run`` server on loopback."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, timeout=60)
        yield "127.0.0.1", port
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def openai_compatible_server(local_gguf: Path) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server, serving the embedded model on loopback."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(local_gguf),
            "--model_alias",
            "local-qwen",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/v1/models", proc, timeout=120)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)


@pytest.fixture
def copy_seeds(tmp_path: Path) -> Path:
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target
