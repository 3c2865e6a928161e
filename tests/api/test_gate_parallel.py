"""The model gate in front of a model server with parallel slots: ``parallel`` jobs run at once,
the queue comes on top of them, and the request past both is turned away."""

from __future__ import annotations

import asyncio
import threading

from service.api.gate import ModelGate, QueueFull


def test_parallel_jobs_run_together_then_the_queue_then_429() -> None:
    lock, release = threading.Lock(), threading.Event()
    running, peak = 0, 0

    def job(stop: threading.Event) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        release.wait(10)
        with lock:
            running -= 1
        return "done"

    async def main() -> list[object]:
        gate = ModelGate(queue_size=1, timeout_s=20, parallel=2)
        try:
            admitted = [asyncio.ensure_future(gate.run(job)) for _ in range(3)]  # two run, one waits
            while gate.admitted < 3:
                await asyncio.sleep(0.01)
            turned_away = await asyncio.gather(gate.run(job), return_exceptions=True)
            release.set()
            return [*await asyncio.gather(*admitted), *turned_away]
        finally:
            gate.close()

    results = asyncio.run(main())
    assert results[:3] == ["done"] * 3 and isinstance(results[3], QueueFull)
    assert peak == 2
