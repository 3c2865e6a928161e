"""100 concurrent chat requests on loopback: every one answered or refused (429/503), none lost.

Starts ``newsdesk serve`` on the seeds (or uses --url), fires all requests at once, then checks
the process is still alive. Prints the status counts, throughput and p50/p95 latency.
Usage: python -m benchmarks.load [--requests 100] [--queue-size 4] [--url http://...]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from contextlib import nullcontext

import httpx

from benchmarks.common import console, machine, percentile, scratch_settings, table
from benchmarks.server import serve
from service.desk import Newsdesk
from service.settings import PROJECT_ROOT

QUESTIONS = [
    "Who greeted Blinken when he arrived in Beijing?",
    "Why was Blinken's trip postponed?",
    "Who is the highest-ranking US official to visit China since 2021?",
]


async def _one(client: httpx.AsyncClient, url: str, question: str) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        response = await client.post(f"{url}/v1/chat", json={"messages": [{"role": "user", "content": question}]})
        outcome = str(response.status_code)
        if response.status_code == 200 and not response.json().get("answer"):
            outcome = "200 without answer"
    except httpx.HTTPError as exc:
        outcome = f"lost ({exc.__class__.__name__})"
    return outcome, time.perf_counter() - started


async def fire(url: str, n: int) -> tuple[list[tuple[str, float]], float]:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=httpx.Timeout(900), limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(_one(client, url, QUESTIONS[i % len(QUESTIONS)]) for i in range(n)))
        return list(results), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--queue-size", type=int, default=4, help="Server's NEWSDESK_QUEUE_SIZE (when started here).")
    parser.add_argument("--url", help="An already running server; default: start one on the seeds.")
    args = parser.parse_args()
    console.print(f"[dim]{machine()}[/dim]")

    if args.url:
        server = nullcontext((args.url.rstrip("/"), None))
    else:
        settings = scratch_settings()
        Newsdesk(settings).ingestor.ingest_paths([PROJECT_ROOT / "seeds"])
        # A long deadline: the queued requests wait for the ones before them (~10 s each, more on a busy CPU).
        server = serve(settings.data_dir, queue_size=str(args.queue_size), request_timeout_s="900")
    with server as (url, proc):
        results, elapsed = asyncio.run(fire(url, args.requests))
        alive = (proc is None or proc.poll() is None) and httpx.get(f"{url}/healthz", timeout=10).status_code == 200

    counts = Counter(outcome for outcome, _ in results)
    answered = [s for outcome, s in results if outcome == "200"]
    everything = [s for _, s in results]
    console.print("outcomes: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    table(
        f"{args.requests} concurrent POST /v1/chat (latency in s; ok = answered)",
        ["wall s", "answers/s", "requests/s", "p50 all", "p95 all", "p50 ok", "p95 ok"],
        [[
            f"{elapsed:.1f}",
            f"{len(answered) / elapsed:.3f}",
            f"{len(results) / elapsed:.2f}",
            f"{percentile(everything, 50):.2f}",
            f"{percentile(everything, 95):.2f}",
            f"{percentile(answered, 50):.2f}" if answered else "-",
            f"{percentile(answered, 95):.2f}" if answered else "-",
        ]],
    )  # fmt: skip
    unexpected = {k: v for k, v in counts.items() if k not in ("200", "429", "503")}
    console.print(f"server alive afterwards: {alive}; lost or unexpected: {unexpected or 'none'}")
    if unexpected or not alive:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
