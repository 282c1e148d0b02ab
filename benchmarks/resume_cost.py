"""Resume cost: conversations re-done per crash, and classifier calls after a cursor expiry.

1. Crashes: a real ``convosift backfill`` process against the local Intercom-compatible server is
   killed with SIGKILL at random moments after it has committed a batch, then ``convosift resume``
   runs until the run completes. Re-done per crash = conversations the server served to the dead
   process that it had not committed (they are fetched again). Goal: at most the batches that
   may be uncommitted, ``fetch_ahead + 1`` (the one being analysed and those fetched ahead).
2. Cursor expiry: an in-process backfill with the embedded local models is stopped after a few
   batches; the server then expires every cursor and changes a few stored conversations; the
   resumed run restarts the window. Classifier calls for stored, unchanged conversations are
   counted. Goal: 0 (changed ones must be classified again).

    .venv/bin/python benchmarks/resume_cost.py [--conversations 1500] [--batch-size 50] [--kills 8]
        [--fetch-ahead 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _support import (
    EVERYTHING,
    TimedAnalyzer,
    local_analyzer,
    machine,
    pipeline_settings,
    quiet_logs,
    scratch_dir,
    service,
    sqlite_url,
    verdict,
)

from convosift.config import Settings
from convosift.domain import RunStatus
from convosift.mock.server import serve_in_thread
from convosift.mock.state import MockIntercomConfig

TOKEN = "resume-token"
CLI = [sys.executable, "-m", "convosift"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", "-N", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument(
        "--classifier",
        choices=["none", "local"],
        default="none",
        help="classifier of the crashed processes (default none: quicker restarts)",
    )
    parser.add_argument(
        "--fetch-ahead",
        type=int,
        default=Settings.model_fields["fetch_ahead"].default,
        help="CONVOSIFT_FETCH_AHEAD of the crashed runs (default: the setting's default)",
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def committed(url: str) -> tuple[int, int]:
    """(batches, fetched) the only run has committed; (0, 0) before it exists."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT checkpoint, counts FROM runs")).first()
    except sa.exc.SQLAlchemyError:
        return 0, 0
    finally:
        engine.dispose()
    if row is None:
        return 0, 0
    checkpoint, counts = (json.loads(v) if isinstance(v, str) else v for v in row)
    return int(checkpoint["batches"]), int(counts["fetched"])


def crashes(args: argparse.Namespace, workdir: Path) -> tuple[list[int], int]:
    """Per kill, the conversations served but not committed; and the run's final ``fetched``."""
    url, rng = sqlite_url(workdir, "crash"), random.Random(args.seed)
    wasted: list[int] = []
    with serve_in_thread(
        MockIntercomConfig(conversations=args.conversations, seed=2, token=TOKEN, latency_ms=5)
    ) as server:
        env = {
            **os.environ,
            "CONVOSIFT_DATABASE_URL": url,
            "CONVOSIFT_SOURCE": "intercom",
            "CONVOSIFT_CLASSIFIER": args.classifier,
            "CONVOSIFT_FETCH_AHEAD": str(args.fetch_ahead),
            "INTERCOM_BASE_URL": server.base_url,
            "INTERCOM_ACCESS_TOKEN": TOKEN,
            "CONVOSIFT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "convosift-bench-models"),
        }
        command = [
            "backfill",
            "--since",
            "2000-01-01",
            "--until",
            "2100-01-01",
            "--batch-size",
            str(args.batch_size),
            "--json",
        ]
        for _ in range(args.kills * 4):
            batches_before, fetched_before = committed(url)
            served_before = server.stats["retrieve"]
            process = subprocess.Popen(
                [*CLI, *command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            command = ["resume", "--json"]
            if len(wasted) < args.kills:
                deadline = time.monotonic() + 120
                while process.poll() is None and time.monotonic() < deadline:
                    if committed(url)[0] > batches_before:
                        time.sleep(rng.uniform(0.0, 0.3))
                        break
                    time.sleep(0.01)
            if process.poll() is None and len(wasted) < args.kills:
                process.send_signal(signal.SIGKILL)
                process.wait()
                fetched_after = committed(url)[1]
                wasted.append(server.stats["retrieve"] - served_before - (fetched_after - fetched_before))
                continue
            if process.wait(timeout=600) != 0:
                raise SystemExit(f"resume failed with exit code {process.returncode}")
            break
        final = committed(url)[1]
    return wasted, final


def cursor_expiry(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Stop after a few batches, expire cursors, change some stored conversations, resume."""
    config = MockIntercomConfig(conversations=args.conversations, seed=3, token=TOKEN)
    with serve_in_thread(config) as server:
        settings = pipeline_settings(sqlite_url(workdir, "expiry"), server.base_url, TOKEN)
        analyzer = local_analyzer(settings)
        stop = threading.Event()

        def stop_after_five(record: Any) -> None:
            if record.checkpoint.batches >= 5:
                stop.set()

        first = TimedAnalyzer(analyzer)
        stopped = service.start_run(
            settings,
            window=EVERYTHING,
            batch_size=args.batch_size,
            analyzer=first,
            progress=stop_after_five,
            stop_event=stop,
        )
        with service.open_store(settings).read() as conn:
            stored_before = set(conn.execute(sa.text("SELECT id FROM conversations")).scalars())
        changed = set(server.state.mutate(ids=sorted(stored_before)[:10]))
        server.state.expire_cursors()
        searches_before, retrieves_before = server.stats["search"], server.stats["retrieve"]
        second = TimedAnalyzer(analyzer)
        resumed = service.resume_run(settings, stopped.id, analyzer=second)
        service.close_stores()
    again = set(second.seen) & stored_before
    return {
        "stopped_status": stopped.status.value,
        "stored_before": len(stored_before),
        "status": resumed.status.value,
        "expired_cursor_hits": server.stats["expired_cursors"],
        "reclassified_unchanged": len(again - changed),
        "reclassified_changed": len(again & changed),
        "changed": len(changed),
        "resume_classifier_calls": second.conversations,
        "resume_searches": server.stats["search"] - searches_before,
        "resume_retrieves": server.stats["retrieve"] - retrieves_before,
        "unchanged_counter": resumed.counts.unchanged,
    }


def main() -> None:
    args = parse_args()
    quiet_logs()
    print(f"machine: {machine()}")
    workdir = scratch_dir()
    wasted, fetched = crashes(args, workdir)
    worst = max(wasted) if wasted else 0
    mean = sum(wasted) / len(wasted) if wasted else 0.0
    print(
        f"crashes: {len(wasted)} kills (classifier {args.classifier}, batch {args.batch_size}, "
        f"fetch ahead {args.fetch_ahead}, "
        f"{args.conversations} conversations); re-done per crash {wasted}; "
        f"mean {mean:.1f}, max {worst}; final fetched counter {fetched}"
    )
    expiry = cursor_expiry(args, workdir)
    print("cursor expiry: " + ", ".join(f"{key} {value}" for key, value in expiry.items()))
    bound = (args.fetch_ahead + 1) * args.batch_size
    crash_met = worst <= bound
    expiry_met = (
        expiry["reclassified_unchanged"] == 0
        and expiry["status"] == RunStatus.COMPLETED.value
        and expiry["expired_cursor_hits"] > 0
    )
    print(
        f"SUMMARY resume_cost: re-fetched per crash (fetch ahead {args.fetch_ahead}) "
        f"mean {mean:.0f}, max {worst} conversations "
        f"(goal <= {args.fetch_ahead + 1} batches = {bound}): {verdict(crash_met)}; "
        f"classifier calls for unchanged "
        f"conversations after cursor expiry {expiry['reclassified_unchanged']} (goal 0): "
        f"{verdict(expiry_met)}"
    )


if __name__ == "__main__":
    main()
