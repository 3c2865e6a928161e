"""Run a streaming chain (text deltas, then one final result) through the model gate."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

from service.api.gate import ModelGate

T = TypeVar("T")


class Stopped(Exception):
    """The request that wanted this generation has gone (timed out or disconnected)."""


def drain(stream: Iterator[str | T], stop: threading.Event, on_delta: Callable[[str], None] | None = None) -> T:
    """Run ``stream`` to its final item, passing text deltas on; give the model up once ``stop`` is set."""
    try:
        for item in stream:
            if stop.is_set():
                raise Stopped
            if not isinstance(item, str):
                return item
            if on_delta and item:  # an empty item only marks a point where a stop is honoured
                on_delta(item)
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()  # a generator's close() releases the model lock at once
    raise RuntimeError("the stream ended without a final result")


async def generate(gate: ModelGate, make_stream: Callable[[], Iterator[str | T]]) -> T:
    """The final result of a streaming chain; built and run on the model thread."""
    return await gate.run(lambda stop: drain(make_stream(), stop))


async def stream(gate: ModelGate, make_stream: Callable[[], Iterator[str | T]]) -> AsyncIterator[str | T]:
    """Text deltas as the model writes them, then the final result; closing this stops the generation."""
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[str | asyncio.Task[T]] = asyncio.Queue()

    def on_delta(delta: str) -> None:
        loop.call_soon_threadsafe(items.put_nowait, delta)

    task = asyncio.ensure_future(gate.run(lambda stop: drain(make_stream(), stop, on_delta)))
    task.add_done_callback(items.put_nowait)  # after every delta: both arrive through the loop in order
    try:
        while True:
            item = await items.get()
            if item is task:
                yield task.result()
                return
            yield item  # type: ignore[misc]
    finally:
        if task.done() and not task.cancelled():
            task.exception()  # seen: the consumer left before reading it
        task.cancel()
