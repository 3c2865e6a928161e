from __future__ import annotations

import time

from service.slack.gate import SeenSet


def test_seen_set_remembers_keys_for_its_ttl_and_size() -> None:
    seen = SeenSet(ttl_s=0.2, size=3)
    assert seen.first_time("a") and not seen.first_time("a")
    time.sleep(0.25)
    assert seen.first_time("a")
    for key in "bcd":
        assert seen.first_time(key)
    assert seen.first_time("a")  # the oldest entry made room for newer ones
