"""The model gate on its own: admission, queueing, deadlines, and stopping a timed-out job."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from service.api.gate import ModelGate, QueueFull
from service.errors import TimedOut


def _sleeper(seconds: float, log: list[str] | None = None):
    def job(stop: threading.Event) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if stop.is_set():
                if log is not None:
                    log.append("stopped")
                return "stopped"
            time.sleep(0.01)
        return "done"

    return job


def test_one_runs_queue_waits_rest_turned_away() -> None:
    async def main() -> list[object]:
        gate = ModelGate(queue_size=1, timeout_s=10)
        try:
            return await asyncio.gather(*(gate.run(_sleeper(0.2)) for _ in range(3)), return_exceptions=True)
        finally:
            gate.close()

    results = asyncio.run(main())
    assert results[:2] == ["done", "done"]
    assert isinstance(results[2], QueueFull) and results[2].retry_after >= 1
    assert results[2].status_code == 429


def test_jobs_run_one_at_a_time() -> None:
    active, peak = 0, 0
    lock = threading.Lock()

    def job(_stop: threading.Event) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1

    async def main() -> None:
        gate = ModelGate(queue_size=5, timeout_s=10)
        await asyncio.gather(*(gate.run(job) for _ in range(5)))
        gate.close()

    asyncio.run(main())
    assert peak == 1


def test_deadline_stops_the_job_and_frees_the_slot_when_it_ends() -> None:
    log: list[str] = []

    async def main() -> tuple[int, int]:
        gate = ModelGate(queue_size=0, timeout_s=0.2)
        with pytest.raises(TimedOut, match="no answer within"):
            await gate.run(_sleeper(5, log))
        held_after_timeout = gate.admitted  # still held: the thread has not noticed yet
        for _ in range(100):
            if gate.admitted == 0:
                break
            await asyncio.sleep(0.01)
        gate.close()
        return held_after_timeout, gate.admitted

    held, after = asyncio.run(main())
    assert (held, after) == (1, 0)
    assert log == ["stopped"]


def test_waiting_past_the_deadline_times_out() -> None:
    async def main() -> None:
        gate = ModelGate(queue_size=1, timeout_s=0.3)
        first = asyncio.ensure_future(gate.run(_sleeper(0.25), timed=False))
        await asyncio.sleep(0.05)
        second = gate.run(_sleeper(1))
        # The first finishes at ~0.25 s; the second then runs past its 0.3 s deadline.
        with pytest.raises(TimedOut):
            await second
        assert await first == "done"
        gate.close()

    asyncio.run(main())


def test_job_errors_pass_through() -> None:
    def broken(_stop: threading.Event) -> None:
        raise ValueError("boom")

    async def main() -> None:
        gate = ModelGate(queue_size=0, timeout_s=5)
        with pytest.raises(ValueError, match="boom"):
            await gate.run(broken)
        assert gate.admitted == 0
        gate.close()

    asyncio.run(main())
