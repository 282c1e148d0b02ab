"""End-to-end backfill throughput against a rate-limited server, as a share of the limit's bound.

The local Intercom-compatible server (its own process) allows R requests per 10-second window
with L ms of latency. A real backfill (HTTP, filter, the embedded local models, SQLite) runs over
its N conversations. A backfill needs one search request per page and one retrieve per
conversation, so no client can beat

    bound = R / 10 / (1 + 1 / per_page)   conversations per second.

The run starts at the beginning of a rate-limit window, so budget left in a window already under
way does not flatter the figure. Goal: at least 0.9 of the bound.

    .venv/bin/python benchmarks/rate_limited.py [--rate-limit 600] [--latency-ms 50] [--conversations 1500]
"""

from __future__ import annotations

import argparse
import time

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

from convosift.domain import RunStatus
from convosift.mock.state import RATE_WINDOW_SECONDS, MockIntercomConfig

GOAL = 0.9


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate-limit", "-R", type=int, default=600, help="requests per 10 s (default 600)")
    parser.add_argument("--latency-ms", "-L", type=int, default=50, help="server latency (default 50 ms)")
    parser.add_argument("--conversations", "-N", type=int, default=1500)
    parser.add_argument("--per-page", type=int, default=150, help="search page size (default 150)")
    parser.add_argument("--batch-size", type=int, default=50)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    quiet_logs()
    print(f"machine: {machine()}")
    workdir = scratch_dir()
    config = MockIntercomConfig(
        conversations=args.conversations,
        seed=4,
        token=TOKEN,
        rate_limit=args.rate_limit,
        latency_ms=args.latency_ms,
    )
    with server_process(config) as base_url:
        settings = pipeline_settings(sqlite_url(workdir), base_url, TOKEN, intercom_per_page=args.per_page)
        analyzer = TimedAnalyzer(local_analyzer(settings))
        service.open_store(settings)
        # Start on a fresh window: leftover budget of the current one would inflate the result.
        time.sleep(RATE_WINDOW_SECONDS - time.time() % RATE_WINDOW_SECONDS + 0.01)
        started = time.perf_counter()
        record = service.start_run(settings, window=EVERYTHING, batch_size=args.batch_size, analyzer=analyzer)
        elapsed = time.perf_counter() - started
        service.close_stores()
    if record.status is not RunStatus.COMPLETED:
        raise SystemExit(f"run ended {record.status}: {record.error}")
    rate = record.counts.listed / elapsed
    bound = args.rate_limit / RATE_WINDOW_SECONDS / (1 + 1 / args.per_page)
    ratio = rate / bound
    print(
        f"rate limit      {args.rate_limit} requests / {RATE_WINDOW_SECONDS} s, latency {args.latency_ms} ms"
    )
    print(
        f"conversations   {record.counts.listed} listed, {record.counts.fetched} fetched, "
        f"{record.counts.stored} stored (batch {args.batch_size})"
    )
    print(f"elapsed         {elapsed:.2f} s")
    print(f"throughput      {rate:.2f} conversations/s")
    print(f"bound           {bound:.2f} conversations/s")
    print(f"ratio           {ratio:.3f}")
    print(
        f"SUMMARY rate_limited: {rate:.1f} conv/s = {ratio:.2f} of the {bound:.1f} conv/s bound "
        f"(goal >= {GOAL}): {verdict(ratio >= GOAL)}"
    )


if __name__ == "__main__":
    main()
