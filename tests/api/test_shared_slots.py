"""The model server's queue shared by API processes: never more holders than slots, in any process,
and a process that dies holding a slot gives it back."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from service.api.slots import SharedSlots

HOLD = """
import sys, time
from pathlib import Path
from service.api.slots import SharedSlots
slots = SharedSlots(Path(sys.argv[1]), "server", 1, lease_s=600)
print(slots.take() is not None, flush=True)
time.sleep(600)
"""


def test_slots_are_counted_across_processes_and_a_dead_holder_frees_its_slot(tmp_path: Path) -> None:
    path = tmp_path / "slots.sqlite3"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        here = SharedSlots(path, "server", 1, lease_s=600)
        assert here.held() == 1 and here.take() is None  # the other process holds the only slot
        assert SharedSlots(path, "another server", 1, lease_s=600).take() is not None  # slots are per model server
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    mine = here.take()
    assert mine is not None and here.held() == 1
    here.give_back(mine)
    assert here.held() == 0


def test_never_more_holders_than_slots_and_a_given_back_slot_is_reused(tmp_path: Path) -> None:
    slots = SharedSlots(tmp_path / "slots.sqlite3", "server", 3, lease_s=600)
    taken = [slots.take() for _ in range(3)]
    assert None not in taken and slots.take() is None
    slots.give_back(taken[0])
    assert slots.take() is not None and slots.held() == 3
