from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from service.slack.gate import SeenStore


def test_seen_store_remembers_keys_for_its_ttl(tmp_path: Path) -> None:
    seen = SeenStore(tmp_path / "seen.sqlite3", ttl_s=0.2)
    assert seen.first_time("a") and not seen.first_time("a")
    time.sleep(0.25)
    assert seen.first_time("a")


def test_seen_store_is_shared_by_processes(tmp_path: Path) -> None:
    """Two API workers are two processes on one DATA_DIR: a key seen by one is seen by the other."""
    path = tmp_path / "seen.sqlite3"
    assert SeenStore(path).first_time("event:Ev1")
    code = f"from pathlib import Path; from service.slack.gate import SeenStore; s = SeenStore(Path({str(path)!r})); "
    code += "print(s.first_time('event:Ev1'), s.first_time('event:Ev2'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
    assert not SeenStore(path).first_time("event:Ev2")
