"""Run every benchmark script (``make bench``) and print their output, then their summaries.

Each ``benchmarks/*.py`` except this one and modules starting with ``_`` runs in its own process,
one after the other (they measure throughput, so they must not share the CPUs with each other),
with the arguments below. ``--quick`` uses small sizes (a smoke test of the scripts, not figures
to publish). The machine, the date and the load average before and after are printed, since other
work on the machine changes every figure.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only NAME ...] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from _support import machine

HERE = Path(__file__).resolve().parent
SELF = Path(__file__).name
# Full and quick arguments; scripts not listed run with their defaults. Sizes are below the
# scripts' own defaults where that keeps the whole run under 10 minutes on a shared 2-core
# machine, except the memory run: its three sizes (10k, 30k and 100k conversations with the local
# models) take about 8 minutes, most of it the 100k backfill; the accuracy scripts
# skip or shrink their synthetic-inbox part (docs/accuracy.md has the full commands).
ARGUMENTS: dict[str, tuple[list[str], list[str]]] = {
    "pipeline_throughput.py": (
        ["--conversations", "1000"],
        ["--conversations", "300", "--batch-sizes", "10", "50"],
    ),
    "rate_limited.py": ([], ["--conversations", "300"]),
    "backfill_pipeline.py": (
        [],
        ["--conversations", "600", "--unlimited-conversations", "600", "--llm-conversations", "100"],
    ),
    "checkpoint_overhead.py": (["--conversations", "1500"], ["--conversations", "500", "--repeats", "1"]),
    "resume_cost.py": ([], ["--conversations", "600", "--kills", "2"]),
    "memory_growth.py": ([], ["--sizes", "1000", "3000", "6000"]),
    "fetch_throughput.py": (["--conversations", "600"], ["--conversations", "300", "--rate-limit", "600"]),
    "classifier_accuracy.py": (["--inbox-size", "0"], ["--inbox-size", "0"]),
    "theme_accuracy.py": (["--conversations", "2000"], ["--conversations", "500"]),
    "discovery.py": ([], ["--limit", "2500", "--datasets", "banking77-chat", "insurance"]),
    "first_run_themes.py": ([], ["--themes", "5", "--seeds", "1"]),
    "workers.py": ([], ["--conversations", "300", "--sources", "2"]),
}
# Scripts that need longer than --timeout on a full run (not with --quick).
FULL_RUN_SECONDS = {"memory_growth.py": 1200.0}
ORDER = (
    "pipeline_throughput.py",
    "rate_limited.py",
    "backfill_pipeline.py",
    "checkpoint_overhead.py",
    "resume_cost.py",
    "memory_growth.py",
    "fetch_throughput.py",
    "classifier_accuracy.py",
    "category_accuracy.py",
    "theme_accuracy.py",
    "discovery.py",
)


def scripts(only: list[str] | None) -> list[Path]:
    found = {p.name: p for p in HERE.glob("*.py") if p.name != SELF and not p.name.startswith("_")}
    ordered = [found.pop(name) for name in ORDER if name in found] + sorted(found.values())
    if only:
        ordered = [p for p in ordered if p.stem in only or p.name in only]
    return ordered


def summary_of(output: str) -> str:
    """The script's one-line summary: its ``SUMMARY`` line, else its last non-empty line."""
    lines = [line for line in output.splitlines() if line.strip()]
    marked = [line for line in lines if line.startswith("SUMMARY")]
    return (marked or lines or ["(no output)"])[-1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: check the scripts run")
    parser.add_argument("--only", nargs="+", help="run only these scripts (names with or without .py)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=420,
        help="seconds per script (default 420; the memory run gets at least 1200)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    summaries: list[tuple[str, float, str]] = []
    failures = 0
    for script in scripts(args.only):
        full, quick = ARGUMENTS.get(script.name, ([], []))
        command = [sys.executable, str(script), *(quick if args.quick else full)]
        print(f"\n=== {script.name} {' '.join(command[2:])}", flush=True)
        begun = time.perf_counter()
        timeout = args.timeout if args.quick else max(args.timeout, FULL_RUN_SECONDS.get(script.name, 0.0))
        try:
            result = subprocess.run(
                command, check=False, cwd=HERE.parent, capture_output=True, text=True, timeout=timeout
            )
            output, code = result.stdout, result.returncode
            if code != 0:
                output += result.stderr[-3000:]
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            output += f"\nTIMED OUT after {timeout:.0f} s"
            code = -1
        seconds = time.perf_counter() - begun
        print(output.rstrip())
        print(f"--- {script.name}: exit {code}, {seconds:.0f} s", flush=True)
        failures += code != 0
        summaries.append((script.name, seconds, summary_of(output) if code == 0 else f"FAILED (exit {code})"))
    print(
        f"\n=== summaries ({time.perf_counter() - started:.0f} s in all; "
        f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
    )
    for name, seconds, line in summaries:
        print(f"{name:<24} {seconds:5.0f} s  {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
