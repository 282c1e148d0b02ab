"""Peak memory of a backfill of a small and a large inbox (10k vs 100k conversations by default).

Each backfill is a real ``convosift backfill`` process against the local Intercom-compatible
server (its own process, so its memory is not counted) into a fresh SQLite file; the figure is
the backfill process's peak resident set size (``ru_maxrss`` from ``wait4``, the kernel's
VmHWM). The loop holds about two batches, so the peak should not grow with the inbox. Goal:
growth at most 10 %. The classifier is ``none`` by default (the local models add a constant
~model-sized amount and make 100k conversations take many minutes on 2 cores).

    .venv/bin/python benchmarks/memory_growth.py [--sizes 10000 100000] [--classifier none|local]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _support import TOKEN, machine, scratch_dir, server_process, sqlite_url, verdict

from convosift.mock.state import MockIntercomConfig

GOAL = 0.10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--classifier", choices=["none", "local"], default="none")
    parser.add_argument("--batch-size", type=int, default=50)
    return parser.parse_args()


def backfill_peak(size: int, classifier: str, batch_size: int, workdir: Path) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of one backfill process over an inbox of ``size``."""
    config = MockIntercomConfig(conversations=size, seed=6, token=TOKEN)
    with server_process(config) as base_url:
        env = {
            **os.environ,
            "CONVOSIFT_DATABASE_URL": sqlite_url(workdir, f"memory-{size}"),
            "CONVOSIFT_SOURCE": "intercom",
            "CONVOSIFT_CLASSIFIER": classifier,
            "CONVOSIFT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "convosift-bench-models"),
            "INTERCOM_BASE_URL": base_url,
            "INTERCOM_ACCESS_TOKEN": TOKEN,
        }
        command = [
            sys.executable,
            "-m",
            "convosift",
            "backfill",
            "--since",
            "2000-01-01",
            "--until",
            "2100-01-01",
            "--batch-size",
            str(batch_size),
            "--json",
        ]
        # stderr (the progress display) goes to a file: a full pipe would stall the backfill.
        errors = workdir / f"stderr-{size}.txt"
        with errors.open("wb") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            tail = errors.read_text(errors="replace")[-2000:]
            raise SystemExit(f"backfill of {size} failed ({process.returncode}): {tail}")
    return usage.ru_maxrss / 1024, elapsed


def main() -> None:
    args = parse_args()
    print(f"machine: {machine()}")
    print(f"classifier {args.classifier}, batch size {args.batch_size}, SQLite")
    workdir = scratch_dir()
    peaks = []
    for size in args.sizes:
        peak, elapsed = backfill_peak(size, args.classifier, args.batch_size, workdir)
        peaks.append(peak)
        print(
            f"{size:>7} conversations: peak RSS {peak:7.1f} MiB in {elapsed:6.1f} s "
            f"({size / elapsed:.0f} conv/s)"
        )
    growth = peaks[1] / peaks[0] - 1
    print(
        f"SUMMARY memory_growth: peak RSS {peaks[0]:.0f} MiB ({args.sizes[0]}) -> {peaks[1]:.0f} MiB "
        f"({args.sizes[1]}), growth {growth:+.1%} (goal <= {GOAL:.0%}): {verdict(growth <= GOAL)}"
    )


if __name__ == "__main__":
    main()
