"""Many workspaces on one PostgreSQL: worker processes against several rate-limited workspaces.

S local Intercom-compatible servers (each its own process, R requests per 10 s, N conversations)
are named sources of one settings file; W `convosift worker` processes run on one PostgreSQL
database (a throwaway local cluster unless ``--postgres-url``). Every source's backfill is queued,
and the time from the first enqueue to the last completed run gives the aggregate throughput,
against S times one workspace's bound, R / 10 / (1 + 1 / per_page) conversations per second.
Goal: at least 0.9.

A second round does the same on a fresh database and SIGKILLs one worker once mid-way: every run
must complete, and each source's export must equal a single-process backfill of that source.

    .venv/bin/python benchmarks/workers.py [--sources 4] [--workers 2] [--rate-limit 300]
        [--conversations 1500] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from _support import (
    TOKEN,
    fresh_postgres_database,
    machine,
    postgres_server,
    quiet_logs,
    scratch_dir,
    server_process,
    sqlite_url,
    verdict,
)

from convosift.mock.state import RATE_WINDOW_SECONDS, MockIntercomConfig

GOAL = 0.9
CACHE_DIR = str(Path(tempfile.gettempdir()) / "convosift-bench-models")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate-limit", "-R", type=int, default=300, help="requests per 10 s per workspace")
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--conversations", "-N", type=int, default=1500, help="per workspace")
    parser.add_argument("--per-page", type=int, default=150)
    parser.add_argument("--classifier", choices=["none", "local"], default="local")
    parser.add_argument("--postgres-url", default=None)
    return parser.parse_args()


def convosift(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "convosift", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"convosift {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done


def completed_runs(database_url: str) -> dict[str, str]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            present = conn.execute(sa.text("SELECT to_regclass('runs') IS NOT NULL")).scalar_one()
            if not present:
                return {}
            rows = conn.execute(sa.text("SELECT source, status FROM runs")).all()
    finally:
        engine.dispose()
    return {str(source): str(status) for source, status in rows}


def running_owner(database_url: str) -> int | None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT owner_pid FROM runs WHERE status = 'running' ORDER BY started_at LIMIT 1")
            ).scalar()
    finally:
        engine.dispose()


@contextlib.contextmanager
def workers(env: dict[str, str], count: int, logs: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "convosift", "worker", "--concurrency", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(logs / f"worker-{i}.log").open("wb"),
        )
        for i in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=60)


def one_round(
    args: argparse.Namespace, env: dict[str, str], names: list[str], workdir: Path, *, kill: bool
) -> tuple[float, bool]:
    """Queue every source's backfill; (seconds to the last completed run, whether a worker was killed)."""
    database_url = env["CONVOSIFT_DATABASE_URL"]
    killed = False
    with workers(env, args.workers, workdir) as processes:
        time.sleep(3)  # the workers import, load their models and listen
        started = time.perf_counter()
        # Queued side by side, as a scheduler or several users would.
        enqueued = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "convosift",
                    "backfill",
                    "--source",
                    n,
                    "--since",
                    "2000-01-01",
                    "--queue",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for n in names
        ]
        for process in enqueued:
            if process.wait() != 0:
                raise SystemExit(
                    f"queueing failed: {process.stderr.read().decode() if process.stderr else ''}"
                )
        deadline = started + 30 * args.conversations / (args.rate_limit / RATE_WINDOW_SECONDS) + 120
        while True:
            runs = completed_runs(database_url)
            if len(runs) == len(names) and set(runs.values()) == {"completed"}:
                break
            if kill and not killed and time.perf_counter() - started > expected(args) / 2:
                owner = running_owner(database_url)
                victim = next((p for p in processes if p.pid == owner), None)
                if victim is not None:
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    killed = True
            if time.perf_counter() > deadline:
                raise SystemExit(f"runs did not complete: {runs}")
            time.sleep(0.2)
        return time.perf_counter() - started, killed


def bound_rate(args: argparse.Namespace) -> float:
    return args.rate_limit / RATE_WINDOW_SECONDS / (1 + 1 / args.per_page)


def expected(args: argparse.Namespace) -> float:
    return args.conversations / bound_rate(args)


def export(env: dict[str, str], name: str) -> str:
    return convosift(env, "export", "conversations", "--source", name, "--format", "jsonl").stdout


def main() -> None:
    args = parse_args()
    quiet_logs()
    print(f"machine: {machine()}")
    workdir = scratch_dir()
    names = [f"ws{i}" for i in range(args.sources)]
    with contextlib.ExitStack() as stack:
        pg = stack.enter_context(postgres_server(args.postgres_url))
        if pg is None:
            raise SystemExit("no PostgreSQL server: install postgresql or pass --postgres-url")
        urls = {
            name: stack.enter_context(
                server_process(
                    MockIntercomConfig(
                        conversations=args.conversations,
                        seed=20 + i,
                        token=TOKEN,
                        rate_limit=args.rate_limit,
                        latency_ms=args.latency_ms,
                    )
                )
            )
            for i, name in enumerate(names)
        }
        config = workdir / "convosift.toml"
        config.write_text(
            "".join(
                f'[sources.{name}]\nkind = "intercom"\nbase_url = "{url}"\ntoken_env = "BENCH_TOKEN"\n\n'
                for name, url in urls.items()
            )
        )
        base = {
            **os.environ,
            "CONVOSIFT_CONFIG": str(config),
            "BENCH_TOKEN": TOKEN,
            "CONVOSIFT_CLASSIFIER": args.classifier,
            "CONVOSIFT_CACHE_DIR": CACHE_DIR,
            "CONVOSIFT_HEARTBEAT_SECONDS": "1",
            "CONVOSIFT_STALE_AFTER_SECONDS": "5",
        }
        aggregate_bound = args.sources * bound_rate(args)
        lines = []
        for kill in (False, True):
            env = {**base, "CONVOSIFT_DATABASE_URL": fresh_postgres_database(str(pg))}
            (workdir / ("kill" if kill else "clean")).mkdir(exist_ok=True)
            elapsed, killed = one_round(args, env, names, workdir / ("kill" if kill else "clean"), kill=kill)
            total = args.sources * args.conversations
            ratio = total / elapsed / aggregate_bound
            print(
                f"{'one worker SIGKILLed' if killed else 'no failure':22} {total} conversations from "
                f"{args.sources} workspaces in {elapsed:.1f} s with {args.workers} workers: "
                f"{total / elapsed:.1f} conv/s = {ratio:.2f} of {args.sources} x {bound_rate(args):.1f} conv/s"
            )
            if not kill:
                lines.append(
                    f"aggregate {ratio:.2f} of {args.sources} workspaces' bound (goal >= {GOAL}): "
                    f"{verdict(ratio >= GOAL)}"
                )
                continue
            # The single-process references run side by side: each workspace has its own limit.
            singles = {
                n: {**env, "CONVOSIFT_DATABASE_URL": sqlite_url(workdir, f"single-{n}")} for n in names
            }
            references = [
                subprocess.Popen(
                    [sys.executable, "-m", "convosift", "backfill", "--source", n, "--since", "2000-01-01"],
                    env=singles[n],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for n in names
            ]
            if any(process.wait() != 0 for process in references):
                raise SystemExit("a single-process reference backfill failed")
            identical = [export(env, n) == export(singles[n], n) for n in names]
            same = all(identical) and killed
            print(
                f"after the kill: every run completed; exports identical to single-process backfills: "
                f"{sum(identical)}/{len(names)}"
            )
            lines.append(
                f"SIGKILL round {ratio:.2f} of the bound, {sum(identical)}/{len(names)} exports identical: "
                f"{verdict(same)}"
            )
    print("SUMMARY workers: " + "; ".join(lines))


if __name__ == "__main__":
    main()
