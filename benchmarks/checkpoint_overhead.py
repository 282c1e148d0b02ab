"""Checkpoint overhead: backfill throughput with batch size 50 vs 500.

Every batch ends in one transaction holding its rows, the run's counters and its checkpoint, so
small batches pay for more commits. Both sizes run the same real backfill (local server in its
own process, SQLite) ``--repeats`` times, alternating, and the best run of each counts (the
machine is shared; the best run is the least disturbed). The comparison is made with the
embedded local models (the default classifier, which also works per batch) and with classifier
``none``, which leaves listing, fetching, filtering and the commits. Goal: at most 5 % apart.

    .venv/bin/python benchmarks/checkpoint_overhead.py [--conversations 2000] [--repeats 2] [--sizes 50 500]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from _support import (
    EVERYTHING,
    TOKEN,
    TimedAnalyzer,
    local_analyzer,
    machine,
    pipeline_settings,
    quiet_logs,
    scratch_dir,
    server_process,
    service,
    sqlite_url,
    verdict,
)

from convosift.analysis.base import NullAnalyzer
from convosift.domain import RunStatus
from convosift.mock.state import MockIntercomConfig

GOAL = 0.05


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", "-N", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs=2, default=[50, 500], metavar=("SMALL", "LARGE"))
    parser.add_argument("--classifiers", nargs="+", default=["local", "none"], choices=["local", "none"])
    return parser.parse_args()


def best_rates(args: argparse.Namespace, base_url: str, workdir: Path, analyzer: Any) -> dict[int, float]:
    best: dict[int, float] = {}
    for repeat in range(args.repeats):
        order = args.sizes if repeat % 2 == 0 else list(reversed(args.sizes))
        for batch_size in order:
            settings = pipeline_settings(sqlite_url(workdir), base_url, TOKEN)
            service.open_store(settings)
            started = time.perf_counter()
            record = service.start_run(
                settings, window=EVERYTHING, batch_size=batch_size, analyzer=TimedAnalyzer(analyzer)
            )
            elapsed = time.perf_counter() - started
            service.close_stores()
            if record.status is not RunStatus.COMPLETED:
                raise SystemExit(f"run ended {record.status}: {record.error}")
            rate = record.counts.listed / elapsed
            best[batch_size] = max(best.get(batch_size, 0.0), rate)
            print(
                f"{analyzer.name:<24} batch {batch_size:>3}: {rate:7.1f} conv/s ({elapsed:.2f} s, "
                f"{record.checkpoint.batches} commits)"
            )
    return best


def main() -> None:
    args = parse_args()
    quiet_logs()
    print(f"machine: {machine()}")
    print(f"inbox {args.conversations} conversations, SQLite, best of {args.repeats}")
    workdir = scratch_dir()
    config = MockIntercomConfig(conversations=args.conversations, seed=8, token=TOKEN)
    gaps: dict[str, tuple[float, float, float]] = {}
    with server_process(config) as base_url:
        for classifier in args.classifiers:
            analyzer = (
                local_analyzer(pipeline_settings(sqlite_url(workdir), base_url, TOKEN))
                if classifier == "local"
                else NullAnalyzer()
            )
            best = best_rates(args, base_url, workdir, analyzer)
            small, large = (best[size] for size in args.sizes)
            gaps[classifier] = (small, large, abs(small - large) / max(small, large))
    parts = [
        f"{classifier}: batch {args.sizes[0]} {small:.0f} vs batch {args.sizes[1]} {large:.0f} conv/s, "
        f"{gap:.1%} apart {verdict(gap <= GOAL)}"
        for classifier, (small, large, gap) in gaps.items()
    ]
    print(f"SUMMARY checkpoint_overhead (goal <= {GOAL:.0%}): " + "; ".join(parts))


if __name__ == "__main__":
    main()
