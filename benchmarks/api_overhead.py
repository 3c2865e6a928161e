"""What the HTTP API adds on top of calling the answering chain directly, and time to first token.

Real model: the same questions answered in-process (``Answerer.answer`` / ``.stream``) and through
``newsdesk serve`` on loopback (``POST /v1/chat``, whole and streamed); reports the ratio.
Scripted model: the same comparison with a canned instant reply, which isolates the API's own
cost (HTTP, JSON, queue, thread hop) in milliseconds.
Whole answers are timed in one pass over the questions and first tokens in another, so no call
reuses the previous call's prompt from llama.cpp's cache; direct and API calls alternate.
Usage: python -m benchmarks.api_overhead [--runs 3] [--scripted-runs 50]
"""

from __future__ import annotations

import argparse
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

import httpx
import uvicorn
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

from benchmarks.common import console, machine, median, scratch_settings, table
from benchmarks.server import free_port, serve
from service.api.app import create_app
from service.desk import Newsdesk
from service.settings import PROJECT_ROOT

QUESTIONS = [
    "Who greeted Blinken when he arrived in Beijing?",
    "Why was Blinken's trip postponed?",
    "Who is the highest-ranking US official to visit China since 2021?",
]
CANNED = json.dumps({"sentences": [{"text": "Antony Blinken arrived in Beijing on Sunday.", "sources": [1]}]})
Timer = Callable[[str], float]


def _messages(question: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": question}]


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def direct(desk: Newsdesk) -> tuple[Timer, Timer]:
    """(whole answer, first token) timers for the chain called in this process."""

    def first(question: str) -> float:
        started = time.perf_counter()
        with closing(desk.answerer().stream(_messages(question))) as items:  # closing gives the model back
            next(item for item in items if isinstance(item, str) and item)
        return time.perf_counter() - started

    return (lambda q: _timed(lambda: desk.answerer().answer(_messages(q)))), first


def over_http(client: httpx.Client, url: str) -> tuple[Timer, Timer]:
    """(whole answer, first token) timers for ``POST /v1/chat``."""

    def whole(question: str) -> float:
        return _timed(lambda: client.post(f"{url}/v1/chat", json={"messages": _messages(question)}).raise_for_status())

    def first(question: str) -> float:
        started = time.perf_counter()
        with client.stream("POST", f"{url}/v1/chat", json={"messages": _messages(question), "stream": True}) as r:
            next(line for line in r.iter_lines() if line.startswith("event: token"))
        return time.perf_counter() - started

    return whole, first


def compare(runs: int, direct_timers: tuple[Timer, Timer], api_timers: tuple[Timer, Timer]) -> list[float]:
    """Medians of [direct whole, direct first, API whole, API first]; the two paths alternate, so a
    busy machine slows both alike."""
    questions = list(itertools.islice(itertools.cycle(QUESTIONS), runs))
    samples: list[list[float]] = [[], [], [], []]
    for kind in (0, 1):  # all whole answers, then all first tokens
        for q in questions:
            samples[kind].append(direct_timers[kind](q))
            samples[2 + kind].append(api_timers[kind](q))
    return [median(s) for s in samples]


@contextmanager
def thread_server(app: object) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join()


def row(label: str, medians: list[float], unit: str) -> list[str]:
    def fmt(seconds: float) -> str:
        return f"{seconds * 1000:.1f} ms" if unit == "ms" else f"{seconds:.2f} s"

    d_whole, d_first, a_whole, a_first = medians
    return [label, fmt(d_whole), fmt(a_whole), fmt(a_whole - d_whole), f"{a_whole / d_whole:.2f}", fmt(d_first), fmt(a_first)]


def scripted_row(desk: Newsdesk, runs: int) -> list[str]:
    """The API's own cost: a canned instant model, the server in this process."""
    scripted = Newsdesk(desk.settings, llm=GenericFakeChatModel(messages=itertools.cycle([CANNED])))
    with httpx.Client(timeout=60) as client, thread_server(create_app(desk=scripted)) as url:
        compare(3, direct(scripted), over_http(client, url))  # warm-up: embeddings, Chroma, connections
        return row("scripted (instant) model", compare(runs, direct(scripted), over_http(client, url)), "ms")


def real_model_row(desk: Newsdesk, runs: int) -> list[str]:
    """The server in its own process with its own model copy; calls alternate, so one model works at a time."""
    with serve(desk.settings.data_dir) as (url, _proc), httpx.Client(timeout=900) as client:
        desk.llm.invoke("Reply OK.", max_tokens=1)  # load this process's copy before timing
        return row(desk.settings.local_model, compare(runs, direct(desk), over_http(client, url)), "s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="Questions per path on the real model (0: skip it).")
    parser.add_argument("--scripted-runs", type=int, default=50)
    args = parser.parse_args()
    console.print(f"[dim]{machine()}[/dim]")
    desk = Newsdesk(scratch_settings())
    desk.ingestor.ingest_paths([PROJECT_ROOT / "seeds"])
    rows = [scripted_row(desk, args.scripted_runs)]
    if args.runs:
        rows.append(real_model_row(desk, args.runs))
    table(
        "API overhead: POST /v1/chat vs the chain called directly (medians)",
        ["model", "direct", "via API", "difference", "ratio", "first token direct", "first token via API"],
        rows,
    )


if __name__ == "__main__":
    main()
