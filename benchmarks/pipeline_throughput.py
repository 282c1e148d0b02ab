"""End-to-end backfill throughput with no rate limit, and where the time goes per stage.

The local Intercom-compatible server runs in its own process over a synthetic inbox of N
conversations; each run is a real backfill (``service.start_run``) through HTTP, the quality
filter, the embedded local models (trained or loaded once, before any timing) and the database,
for every batch size on SQLite and on PostgreSQL (a throwaway local cluster unless
``--postgres-url`` is given). Stage times are busy seconds: the next batch is listed and fetched
while the current one is analysed and stored, so they can add up to more than the wall time.

    .venv/bin/python benchmarks/pipeline_throughput.py [--conversations 1500] [--batch-sizes 10 50 200 500]
        [--databases sqlite postgres] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import time

from _support import (
    EVERYTHING,
    TOKEN,
    StageClock,
    TimedAnalyzer,
    fresh_postgres_database,
    local_analyzer,
    machine,
    pipeline_settings,
    postgres_server,
    quiet_logs,
    scratch_dir,
    server_process,
    service,
    sqlite_url,
    timed_stages,
)

from convosift.domain import RunStatus
from convosift.mock.state import MockIntercomConfig

STAGES = ("listing", "details", "filter", "analyze", "store")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", "-N", type=int, default=1500)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 50, 200, 500])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument(
        "--postgres-url", default=None, help="server URL (default: a throwaway local cluster)"
    )
    parser.add_argument("--seed", type=int, default=3)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    quiet_logs()
    print(f"machine: {machine()}")
    print(f"inbox: {args.conversations} conversations, no rate limit, classifier local")
    workdir = scratch_dir()
    config = MockIntercomConfig(conversations=args.conversations, seed=args.seed, token=TOKEN)
    rates: dict[tuple[str, int], float] = {}
    with (
        server_process(config) as base_url,
        postgres_server(args.postgres_url if "postgres" in args.databases else "") as pg_server,
    ):
        analyzer = local_analyzer(pipeline_settings(sqlite_url(workdir), base_url, TOKEN))
        header = f"{'database':<9} {'batch':>5} {'conv/s':>8} {'wall s':>7}  " + " ".join(
            f"{stage + ' s':>10}" for stage in STAGES
        )
        print(header)
        for database in args.databases:
            if database == "postgres" and pg_server is None:
                print("postgres  skipped: no PostgreSQL server")
                continue
            for batch_size in args.batch_sizes:
                url = sqlite_url(workdir) if database == "sqlite" else fresh_postgres_database(str(pg_server))
                settings = pipeline_settings(url, base_url, TOKEN)
                service.open_store(settings)  # migrations are not part of the timing
                clock = StageClock()
                with timed_stages(clock):
                    started = time.perf_counter()
                    record = service.start_run(
                        settings,
                        window=EVERYTHING,
                        batch_size=batch_size,
                        analyzer=TimedAnalyzer(analyzer, clock),
                    )
                    wall = time.perf_counter() - started
                service.close_stores()
                if record.status is not RunStatus.COMPLETED or record.counts.listed != args.conversations:
                    raise SystemExit(f"run ended {record.status} after {record.counts.listed} conversations")
                rate = record.counts.listed / wall
                rates[(database, batch_size)] = rate
                print(
                    f"{database:<9} {batch_size:>5} {rate:>8.1f} {wall:>7.2f}  "
                    + " ".join(f"{clock.seconds.get(stage, 0.0):>10.2f}" for stage in STAGES)
                )
    best = max(rates, key=lambda key: rates[key])
    figures = ", ".join(f"{db} b{size} {rate:.0f}" for (db, size), rate in rates.items())
    print(f"SUMMARY pipeline_throughput: conv/s {figures}; best {best[0]} batch {best[1]}")


if __name__ == "__main__":
    main()
