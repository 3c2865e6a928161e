"""Prometheus metrics: requests, latency, tokens and model time; one registry per app.

Under ``newsdesk serve --workers N`` every worker writes its values to files in one folder
(prometheus_client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``, set by the parent before
the workers start: :mod:`service.api.workers`), and ``/metrics``, whichever worker answers it,
reports the sum over all of them (the queue gauge: over the live ones).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client reads it when first imported

_SLOW_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300)
_MODEL_PHASES = {"rewrite_s": "rewrite", "prefill_s": "prefill", "generation_s": "generation"}


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("newsdesk_http_requests", "HTTP requests.", ["method", "route", "status"], registry=r)
        self.latency = Histogram(
            "newsdesk_http_request_duration_seconds",
            "Time from request to the last byte of the response.",
            ["method", "route"],
            buckets=_SLOW_BUCKETS,
            registry=r,
        )
        self.tokens = Counter("newsdesk_model_tokens", "Tokens through the chat model.", ["kind"], registry=r)
        self.model_time = Histogram(
            "newsdesk_model_duration_seconds", "Chat model time per call.", ["phase"], buckets=_SLOW_BUCKETS, registry=r
        )
        self.queue = Gauge(
            "newsdesk_model_queue", "Requests holding or waiting for the model.", multiprocess_mode="livesum", registry=r
        )

    def observe_generation(self, usage: Mapping[str, int], timings: Mapping[str, float]) -> None:
        for kind in ("prompt_tokens", "completion_tokens"):
            if usage.get(kind):
                self.tokens.labels(kind.removesuffix("_tokens")).inc(usage[kind])
        for key, phase in _MODEL_PHASES.items():
            if key in timings:
                self.model_time.labels(phase).observe(timings[key])

    def render(self) -> bytes:
        folder = os.environ.get(METRICS_DIR_ENV)
        if not folder:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_worker, folder)
        return generate_latest(every_worker)


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)
