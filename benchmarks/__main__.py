"""Run every benchmark, print a summary table, and write the figures to benchmarks/results/<date>.md.

Each benchmark runs in its own process (its own model copy, nothing carried over); its output is
shown as it runs and kept verbatim in the results file, under a description of the machine.
Usage: python -m benchmarks [--only NAME,...] [--skip NAME,...] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import console, machine, table
from service.settings import PROJECT_ROOT

RESULTS = Path(__file__).resolve().parent / "results"
# name: (full arguments, --quick arguments); run in this order, the ones present in benchmarks/.
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "ingest_throughput": ([], ["--copies", "5"]),
    "retrieval_scale": ([], ["--sizes", "1000,10000", "--sparse-only-sizes", "100000", "--queries", "20"]),
    "answer_latency": ([], ["--runs", "1"]),
    "api_overhead": ([], ["--runs", "1", "--scripted-runs", "20"]),
    "throughput": ([], ["--levels", "1,4", "--requests", "2", "--scripted-requests", "50"]),
    "load": ([], ["--requests", "20"]),
}


def available() -> list[str]:
    return [name for name in BENCHMARKS if importlib.util.find_spec(f"benchmarks.{name}") is not None]


def run(name: str, args: list[str]) -> tuple[int, float, str]:
    """(exit code, seconds, output) of one benchmark; its output is echoed as it comes."""
    command = [sys.executable, "-m", f"benchmarks.{name}", *args]
    console.rule(f"[bold]{name}[/bold] {' '.join(args)}")
    started = time.perf_counter()
    lines = []
    env = os.environ | {"COLUMNS": "160", "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append(line)
    return proc.returncode, time.perf_counter() - started, "".join(lines)


def git_revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()

    revision = git("rev-parse", "--short", "HEAD") or "unknown"
    return revision + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def results_path(day: dt.date) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path, n = RESULTS / f"{day.isoformat()}.md", 2
    while path.exists():
        path, n = RESULTS / f"{day.isoformat()}-{n}.md", n + 1
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help="Comma-separated benchmark names.")
    parser.add_argument("--skip", default="", help="Comma-separated benchmark names.")
    parser.add_argument("--quick", action="store_true", help="Small sizes and few runs: a smoke test, not figures.")
    args = parser.parse_args()
    names = available()
    if args.only:
        wanted = args.only.split(",")
        unknown = set(wanted) - set(names)
        if unknown:
            parser.error(f"unknown or missing benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(names)}")
        names = [n for n in names if n in wanted]
    names = [n for n in names if n not in args.skip.split(",")]

    started_at = dt.datetime.now()
    header = [
        f"Machine: {machine()}; {platform.platform()}",
        f"Load average at start (1/5/15 min): {' / '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"Commit: {git_revision()}",
        f"Command: python -m benchmarks {' '.join(sys.argv[1:])}".rstrip(),
    ]
    console.print("\n".join(f"[dim]{line}[/dim]" for line in header))
    outcomes = []
    sections = []
    for name in names:
        bench_args = BENCHMARKS[name][1 if args.quick else 0]
        code, seconds, output = run(name, bench_args)
        status = "ok" if code == 0 else f"failed (exit {code})"
        outcomes.append([name, " ".join(bench_args) or "defaults", status, f"{seconds:.0f}"])
        sections.append(
            f"## {name}\n\n`python -m benchmarks.{name} {' '.join(bench_args)}`".rstrip()
            + f" ({seconds:.0f} s, {status})\n\n```text\n{output.rstrip()}\n```\n"
        )

    table("Benchmarks", ["benchmark", "arguments", "status", "seconds"], outcomes)
    path = results_path(started_at.date())
    summary = "\n".join(f"| {' | '.join(row)} |" for row in outcomes)
    path.write_text(
        f"# Benchmarks, {started_at:%Y-%m-%d %H:%M}\n\n" + "\n".join(f"- {line}" for line in header) + "\n\n"
        "| benchmark | arguments | status | seconds |\n|---|---|---|---|\n" + summary + "\n\n" + "\n".join(sections)
    )
    console.print(f"results written to {path.relative_to(PROJECT_ROOT)}")
    if any(row[2] != "ok" for row in outcomes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
