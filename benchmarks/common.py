"""Helpers shared by the benchmark scripts: a machine line, percentiles, table printing."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from service.settings import PROJECT_ROOT, Settings

console = Console()


def machine() -> str:
    cpu = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")),
        platform.processor(),
    )
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def scratch_settings(**overrides: object) -> Settings:
    """Settings on a fresh temporary store, sharing the project's joined model file."""
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    models = tmp / "models"
    models.mkdir()
    for gguf in (PROJECT_ROOT / ".newsdesk" / "models").glob("*.gguf"):
        (models / gguf.name).symlink_to(gguf)
    return Settings(data_dir=tmp, **overrides)


def table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    t = Table(*columns, title=title)
    for row in rows:
        t.add_row(*row)
    console.print(t)
