"""Peak memory and steady-state throughput of a backfill as the history grows (10k, 30k, 100k).

Each backfill is a real ``convosift backfill`` process against the local Intercom-compatible
server (its own process, so its memory is not counted) into a fresh database; with ``--classifier
llm`` the tests' OpenAI-compatible server answers, also in its own process, and answers are cached
in the database as in production. Figures per size:

- peak RSS: the backfill process's peak resident set size (``ru_maxrss`` from ``wait4``, the
  kernel's VmHWM);
- steady-state conversations/s: stored conversations per second from the first batch's commit to
  the last one (each row's ``ingested_at`` is its batch's commit time), so process start, model
  loading or training and the first batch are excluded;
- first → last tenth: the rate over the first and the last tenth of the stored rows of the same
  run, i.e. whether a batch costs more when more is stored (one run, so the machine's other load
  affects both alike);
- CPU seconds per 1,000 conversations of the backfill process (user + system, process start and
  model loading included): what the pipeline itself spends, much less sensitive than the rates to
  other work on the machine.

The loop holds about two batches and every per-batch query is an index look-up, so neither should
grow with the history. Goals, largest size against the smallest: peak RSS growth at most 10 %,
steady-state throughput within 10 %.

    .venv/bin/python benchmarks/memory_growth.py [--sizes 10000 30000 100000]
        [--classifier local|llm|none] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from _support import (
    TOKEN,
    fresh_postgres_database,
    machine,
    openai_server_process,
    postgres_server,
    scratch_dir,
    server_process,
    sqlite_url,
    verdict,
)

from convosift.mock.state import MockIntercomConfig

GOAL = 0.10


@dataclass(frozen=True)
class Figures:
    size: int
    peak_mib: float
    seconds: float
    cpu_seconds: float
    steady_rate: float
    first_tenth_rate: float
    last_tenth_rate: float


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000], metavar="SIZE")
    parser.add_argument("--classifier", choices=["local", "llm", "none"], default="local")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("CONVOSIFT_TEST_POSTGRES_URL"))
    parser.add_argument("--batch-size", type=int, default=50)
    args = parser.parse_args()
    if len(args.sizes) < 2:
        parser.error("give at least two sizes")
    return args


def commit_rates(database_url: str) -> tuple[float, float, float]:
    """(steady-state, first-tenth, last-tenth) stored conversations per second of the one run."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            times = sorted(conn.execute(sa.text("SELECT ingested_at FROM conversations")).scalars())
    finally:
        engine.dispose()
    first = times[0]
    after_first = [t for t in times if t > first]
    steady = len(after_first) / (times[-1] - first) if len(after_first) > 1 else 0.0
    tenth = max(2, len(after_first) // 10)

    def rate(part: list[float]) -> float:
        return (len(part) - 1) / (part[-1] - part[0]) if part[-1] > part[0] else 0.0

    return steady, rate(after_first[:tenth]), rate(after_first[-tenth:])


def backfill(
    size: int, args: argparse.Namespace, database_url: str, llm_url: str | None, workdir: Path
) -> Figures:
    config = MockIntercomConfig(conversations=size, seed=6, token=TOKEN)
    with server_process(config) as base_url:
        env = {
            **os.environ,
            "CONVOSIFT_DATABASE_URL": database_url,
            "CONVOSIFT_SOURCE": "intercom",
            "CONVOSIFT_CLASSIFIER": args.classifier,
            "CONVOSIFT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "convosift-bench-models"),
            "INTERCOM_BASE_URL": base_url,
            "INTERCOM_ACCESS_TOKEN": TOKEN,
        }
        if llm_url is not None:
            env |= {"CONVOSIFT_LLM_BASE_URL": llm_url, "CONVOSIFT_LLM_API_KEY": "benchmark"}
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
            str(args.batch_size),
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
    steady, first_tenth, last_tenth = commit_rates(database_url)
    cpu = usage.ru_utime + usage.ru_stime
    return Figures(size, usage.ru_maxrss / 1024, elapsed, cpu, steady, first_tenth, last_tenth)


@contextlib.contextmanager
def llm_endpoint(classifier: str) -> Iterator[str | None]:
    if classifier != "llm":
        yield None
        return
    with openai_server_process() as url:
        yield url


def main() -> None:
    args = parse_args()
    print(f"machine: {machine()}")
    print(f"classifier {args.classifier}, batch size {args.batch_size}, {args.database}")
    workdir = scratch_dir()
    figures: list[Figures] = []
    server_cm = (
        postgres_server(args.postgres_url) if args.database == "postgresql" else contextlib.nullcontext()
    )
    with server_cm as pg_server, llm_endpoint(args.classifier) as llm_url:
        if args.database == "postgresql" and pg_server is None:
            raise SystemExit("no PostgreSQL: set CONVOSIFT_TEST_POSTGRES_URL or install postgresql")
        for size in args.sizes:
            url = fresh_postgres_database(pg_server) if pg_server else sqlite_url(workdir, f"memory-{size}")
            result = backfill(size, args, url, llm_url, workdir)
            figures.append(result)
            print(
                f"{size:>7} conversations: peak RSS {result.peak_mib:7.1f} MiB in {result.seconds:6.1f} s "
                f"({size / result.seconds:.0f} conv/s end to end); steady state "
                f"{result.steady_rate:.0f} conv/s; first -> last tenth "
                f"{result.first_tenth_rate:.0f} -> {result.last_tenth_rate:.0f} conv/s; "
                f"CPU {1000 * result.cpu_seconds / size:.2f} s per 1,000",
                flush=True,
            )
    small, large = figures[0], figures[-1]
    growth = large.peak_mib / small.peak_mib - 1
    change = large.steady_rate / small.steady_rate - 1
    label = f"classifier {args.classifier}, {args.database}"
    # One SUMMARY line: run_all.py shows a script's last one.
    print(
        f"SUMMARY memory_growth ({label}): peak RSS {small.peak_mib:.0f} MiB ({small.size}) -> "
        f"{large.peak_mib:.0f} MiB ({large.size}), growth {growth:+.1%} (goal <= {GOAL:.0%}): "
        f"{verdict(growth <= GOAL)}; steady state {small.steady_rate:.0f} -> {large.steady_rate:.0f} "
        f"conv/s, {change:+.1%} (goal within {GOAL:.0%}): {verdict(change >= -GOAL)}"
    )


if __name__ == "__main__":
    main()
