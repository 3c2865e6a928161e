"""Throughput through the HTTP API at concurrency 1, 4 and 16: answers/s and latency per request.

Closed loop: C clients each send their next ``POST /v1/chat`` as soon as their last one is
answered, until N requests are done. Two servers, each in its own process on loopback:
``newsdesk serve`` on the real local model (the seeds ingested), and the same app on a scripted
instant model, which shows the ceiling of the API itself (HTTP, JSON, retrieval, queue).
With ``--engines inprocess,batching`` the real model is measured twice in the same run: in the
API process (one generation at a time), and behind llama.cpp's own server with ``--parallel``
slots and continuous batching (``service.models.batching_server``, needs ``newsdesk[batching]``),
the API sending it up to that many requests at once (``MODEL_PARALLEL``).
The queue is sized so that no request is refused: this measures waiting, not shedding
(``benchmarks.load`` measures shedding). The questions are the 40 of ``evals/seeds.yaml`` in
turn, never the same prompt twice in a row of up to 40 requests: llama.cpp's server answers a
prompt it has cached almost without reading it, which real users' different questions don't get.
Usage: python -m benchmarks.throughput [--levels 1,4,16] [--requests 4] [--scripted-requests 200]
       [--engines inprocess,batching] [--parallel 4] [--questions seeds|load]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.api_overhead import CANNED
from benchmarks.common import console, machine, percentile, scratch_settings, table
from benchmarks.load import QUESTIONS, _one
from benchmarks.server import exited, free_port, serve, stop, wait_ready
from service.desk import Newsdesk
from service.evals.dataset import load_dataset
from service.settings import PROJECT_ROOT, Settings


async def closed_loop(
    url: str, concurrency: int, total: int, questions: list[str] = QUESTIONS, offset: int = 0
) -> tuple[list[tuple[str, float]], float]:
    """(outcome, seconds) per request, and the wall time, for ``total`` requests from ``concurrency`` clients,
    asking ``questions`` in turn from ``offset``."""
    numbers = itertools.count()
    results: list[tuple[str, float]] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=httpx.Timeout(1800), limits=limits) as client:

        async def client_loop() -> None:
            while (i := next(numbers)) < total:
                results.append(await _one(client, url, questions[(offset + i) % len(questions)]))

        started = time.perf_counter()
        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        return results, time.perf_counter() - started


def _serve_scripted(data_dir: str, port: int, queue_size: int) -> None:
    """Child process: the real app and store, the model replaced by an instant canned reply."""
    import uvicorn
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    from service.api.app import create_app

    desk = Newsdesk(
        Settings(data_dir=Path(data_dir), queue_size=queue_size), llm=GenericFakeChatModel(messages=itertools.cycle([CANNED]))
    )
    uvicorn.run(create_app(desk=desk), host="127.0.0.1", port=port, log_level="warning")


@contextmanager
def scripted_server(data_dir: Path, queue_size: int) -> Iterator[str]:
    port = free_port()
    proc = multiprocessing.get_context("spawn").Process(target=_serve_scripted, args=(str(data_dir), port, queue_size), daemon=True)
    proc.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{url}/readyz", lambda: None if proc.is_alive() else "the scripted server stopped", timeout=120)
        yield url
    finally:
        proc.terminate()
        proc.join(timeout=15)


@contextmanager
def batching_engine(data_dir: Path, model: str, parallel: int, threads: int, queue: int) -> Iterator[str]:
    """``newsdesk serve`` in front of llama.cpp's server with ``parallel`` slots (both on loopback)."""
    port, alias = free_port(), "qwen2.5-coder-0.5b-instruct"
    command = [
        sys.executable,
        "-m",
        "service.models.batching_server",
        "--port",
        str(port),
        "--parallel",
        str(parallel),
        "--alias",
        alias,
    ]
    env = {**os.environ, "NEWSDESK_DATA_DIR": str(data_dir), "NEWSDESK_LOCAL_MODEL": model}
    with (data_dir / "llm.log").open("wb") as log:
        llm = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_ready(f"http://127.0.0.1:{port}/v1/models", lambda: exited(llm, data_dir / "llm.log"), timeout=120)
        settings = {
            "chat_provider": "openai_compatible", "openai_base_url": f"http://127.0.0.1:{port}/v1", "chat_model": alias,
            "model_parallel": str(parallel), "queue_size": str(queue), "request_timeout_s": "1800",
        }  # fmt: skip
        with serve(data_dir, **settings) as (url, _proc):
            yield url
    finally:
        stop(llm)


def rows_for(label: str, url: str, levels: list[int], requests: int, questions: list[str]) -> list[list[str]]:
    rows, asked = [], 0
    for level in levels:
        total = max(level, requests)
        results, wall = asyncio.run(closed_loop(url, level, total, questions, offset=asked))  # not the last level's
        asked += total
        ok = [s for outcome, s in results if outcome == "200"]
        other = Counter(outcome for outcome, _ in results if outcome != "200")
        rows.append([
            label, str(level), str(total), str(len(ok)) + (f" ({dict(other)})" if other else ""),
            f"{len(ok) / wall:.3f}", f"{percentile(ok, 50):.2f}" if ok else "-", f"{percentile(ok, 95):.2f}" if ok else "-",
        ])  # fmt: skip
        console.print(f"[dim]{label}: concurrency {level} done in {wall:.0f} s[/dim]")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--levels", default="1,4,16", help="Comma-separated client counts.")
    parser.add_argument("--requests", type=int, default=4, help="Real-model requests per level (at least the level).")
    parser.add_argument("--scripted-requests", type=int, default=200, help="Scripted-model requests per level (0: skip).")
    parser.add_argument("--engines", default="inprocess", help="Comma-separated: inprocess, batching.")
    parser.add_argument("--model", default="qwen2.5-coder-0.5b-instruct-q4", help="Shipped GGUF, the same in every engine.")
    parser.add_argument("--parallel", type=int, default=4, help="Slots of the batching engine.")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads of the model, in both engines.")
    parser.add_argument(
        "--questions",
        choices=["seeds", "load"],
        default="seeds",
        help="seeds: the 40 questions of evals/seeds.yaml in turn, so no two requests of a level up to 40 repeat a "
        "prompt (a repeated prompt is read from llama.cpp's cache); load: benchmarks.load's 3, as the 0.25 answers/s "
        "of issue 15 was measured.",
    )
    args = parser.parse_args()
    questions = (
        QUESTIONS if args.questions == "load" else [q.question for q in load_dataset(PROJECT_ROOT / "evals" / "seeds.yaml").items]
    )
    levels = [int(n) for n in args.levels.split(",")]
    engines = args.engines.split(",")
    console.print(
        f"[dim]{machine()}; model threads {args.threads}; questions: {args.questions} ({len(questions)}); "
        f"load average at start {os.getloadavg()[0]:.2f}[/dim]"
    )

    settings = scratch_settings(local_model=args.model)
    Newsdesk(settings).ingestor.ingest_paths([PROJECT_ROOT / "seeds"])
    queue = max(levels)  # every client's request waits its turn; none is refused
    rows = []
    if args.scripted_requests:
        with scripted_server(settings.data_dir, queue) as url:
            asyncio.run(closed_loop(url, 2, 10))  # warm-up
            rows += rows_for("scripted (instant)", url, levels, args.scripted_requests, questions)
    for engine in engines if args.requests else []:
        if engine == "inprocess":
            inprocess = {
                "queue_size": str(queue),
                "request_timeout_s": "1800",
                "local_threads": str(args.threads),
                "local_model": args.model,
            }
            with serve(settings.data_dir, **inprocess) as (url, _proc):
                rows += rows_for(f"{settings.local_model}, in-process", url, levels, args.requests, questions)
        else:
            with batching_engine(settings.data_dir, args.model, args.parallel, args.threads, queue) as url:
                label = f"{settings.local_model}, llama.cpp server ({args.parallel} slots)"
                rows += rows_for(label, url, levels, args.requests, questions)
    table(
        "Throughput, POST /v1/chat, closed loop",
        ["model", "concurrency", "requests", "answered", "answers/s", "p50 latency s", "p95 latency s"],
        rows,
    )
    console.print(f"[dim]load average at end {os.getloadavg()[0]:.2f}[/dim]")


if __name__ == "__main__":
    main()
