"""Admission to the chat model: ``parallel`` generations at a time, a bounded queue, a deadline per request.

llama.cpp serves one generation at a time per process, so with the in-process model jobs run on
a single model thread; a model server with parallel slots (llama.cpp's ``--parallel``, vLLM) is
sent up to ``MODEL_PARALLEL`` at once, and batches them.
A job keeps its slot until its thread really finishes (a timed-out job is told to stop at its
next token), so the queue always reflects what the model is doing.

With a model server that several API processes share, the queue is theirs together: its slots
are counted in ``DATA_DIR`` (:class:`~service.api.slots.SharedSlots`), so the request past the
queue gets 429 on whichever replica it reaches. An untimed job (the start-up warm-up) waits its
turn in this process but is never refused and not counted across processes.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from service.api.slots import SharedSlots
from service.errors import Busy, TimedOut
from service.settings import Settings

T = TypeVar("T")
Job = Callable[[threading.Event], T]  # receives a "stop now" event


class QueueFull(Busy):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ModelGate:
    def __init__(
        self,
        queue_size: int,
        timeout_s: float,
        shared: SharedSlots | None = None,
        on_change: Callable[[int], None] = lambda _admitted: None,
        parallel: int = 1,
    ) -> None:
        self.capacity = queue_size + parallel
        self.parallel = parallel
        self.timeout_s = timeout_s
        self._shared = shared
        self._on_change = on_change  # told this process's count after each change (the metrics gauge)
        self._admitted = 0  # running + waiting in this process; only touched on the event loop
        self._running = asyncio.Semaphore(parallel)
        self._executor: ThreadPoolExecutor | None = None  # made on first use, again after close()
        self._mean_job_s = 10.0  # moving average, for Retry-After

    @classmethod
    def from_settings(cls, settings: Settings, on_change: Callable[[int], None] = lambda _admitted: None) -> ModelGate:
        """Shared slots when the model is a server other replicas may use too (``openai_compatible``)."""
        shared, parallel = None, 1 if settings.chat_provider == "local" else settings.model_parallel
        if settings.chat_provider == "openai_compatible":
            backend = f"{settings.openai_base_url} {settings.chat_model}"
            lease_s = settings.request_timeout_s + 60  # a holder on another host that died is forgotten after this
            shared = SharedSlots(settings.data_dir / "model_slots.sqlite3", backend, settings.queue_size + parallel, lease_s)
        return cls(settings.queue_size, settings.request_timeout_s, shared, on_change, parallel)

    @property
    def admitted(self) -> int:
        """Requests running or waiting for the model: in every process that shares the slots, else in this one."""
        return self._shared.held() if self._shared else self._admitted

    def retry_after(self) -> int:
        return max(1, math.ceil(self._mean_job_s * self.admitted / self.parallel))

    async def run(self, job: Job[T], timed: bool = True) -> T:
        """Run ``job`` on the model thread.

        Raises :class:`QueueFull` when ``queue_size`` requests already wait, and (when ``timed``)
        :class:`TimedOut` past ``timeout_s``, queueing included.
        """
        holder: str | None = None
        if self._shared is None:
            full = self._admitted >= self.capacity
        elif timed:
            holder = self._shared.take()
            full = holder is None
        else:
            full = False  # internal work (the warm-up) is never refused
        if full:
            seconds = self.retry_after()
            waiting = max(0, self.admitted - self.parallel)
            raise QueueFull(f"the model is busy ({waiting} request(s) waiting); retry in {seconds}s", seconds)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s if timed else None
        self._admitted += 1
        self._on_change(self._admitted)

        def leave() -> None:
            self._admitted -= 1
            self._on_change(self._admitted)
            if holder is not None:
                self._shared.give_back(holder)  # type: ignore[union-attr]

        try:
            async with asyncio.timeout_at(deadline):
                await self._running.acquire()
        except BaseException as exc:
            leave()
            if isinstance(exc, TimeoutError):
                raise TimedOut(f"no model slot became free within {self.timeout_s:g}s") from None
            raise
        stop = threading.Event()
        started = time.perf_counter()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="model")
        future = loop.run_in_executor(self._executor, job, stop)

        def release(done: asyncio.Future[T]) -> None:
            self._running.release()
            leave()
            self._mean_job_s = 0.7 * self._mean_job_s + 0.3 * (time.perf_counter() - started)
            if not done.cancelled():
                done.exception()  # retrieved here, so an abandoned job's error is not logged as lost

        future.add_done_callback(release)
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                return await asyncio.shield(future)
        except TimeoutError:
            if not scope.expired():
                raise  # the job's own timeout error
            stop.set()
            raise TimedOut(f"no answer within {self.timeout_s:g}s") from None
        except asyncio.CancelledError:
            stop.set()
            raise

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
