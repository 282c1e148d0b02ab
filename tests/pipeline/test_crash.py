"""A real backfill process killed with SIGKILL at random moments and resumed until done.

The result must equal an uninterrupted run: the same exported conversations, the same counters,
no duplicate rows, and each crash may only repeat the work the dead process had not committed
(the batch being analysed and the batches fetched ahead of it: ``fetch_ahead + 1`` batches).
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

import services as service
from convosift.config import load_settings
from convosift.domain import RunStatus
from convosift.pipeline import windows

SINCE, UNTIL = "2000-01-01", "2100-01-01"
CONVERSATIONS = 1500


@dataclass
class CrashLog:
    kills: int = 0
    wasted: list[int] = field(default_factory=list)
    """Per kill: details the server served minus details the dead process committed."""


def _env(database_url: str, server: Any, fetch_ahead: int) -> dict[str, str]:
    return {
        **os.environ,
        "CONVOSIFT_FETCH_AHEAD": str(fetch_ahead),
        "CONVOSIFT_DATABASE_URL": database_url,
        "CONVOSIFT_SOURCE": "intercom",
        "CONVOSIFT_CLASSIFIER": "none",
        "INTERCOM_BASE_URL": server.base_url,
        "INTERCOM_ACCESS_TOKEN": server.token,
    }


def _committed(database_url: str) -> tuple[int, int]:
    """(batches, fetched) of the only run, as committed; (0, 0) before it exists."""
    engine = sa.create_engine(database_url)
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


def _completed(database_url: str) -> bool:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT status FROM runs")).scalar_one() == RunStatus.COMPLETED.value
    finally:
        engine.dispose()


def _run(
    command: list[str],
    env: dict[str, str],
    database_url: str,
    server: Any,
    log: CrashLog,
    rng: random.Random,
    *,
    kill: bool,
) -> int | None:
    """Start a CLI process; once it has committed a batch, SIGKILL it after a random delay. None if killed."""
    before_batches, before_fetched = _committed(database_url)
    served_before = server.stats["retrieve"]
    process = subprocess.Popen(
        [sys.executable, "-m", "convosift", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while kill and process.poll() is None and time.monotonic() < deadline:
        if _committed(database_url)[0] > before_batches:
            time.sleep(rng.uniform(0.0, 0.1))
            break
        time.sleep(0.01)
    if not kill:
        process.wait(timeout=120)
    if process.poll() is not None:
        assert process.returncode == 0, process.stderr.read().decode() if process.stderr else ""
        return process.returncode
    process.send_signal(signal.SIGKILL)
    process.wait()
    log.kills += 1
    _settle(server)
    _, after_fetched = _committed(database_url)
    log.wasted.append(server.stats["retrieve"] - served_before - (after_fetched - before_fetched))
    return None


def _settle(server: Any) -> None:
    """Wait until the server has counted every request the dead process sent.

    The server counts a retrieve after its latency, so requests that arrived just before the kill
    are counted a little later; read too early, they would be charged to the next process.
    """
    previous = -1
    while server.stats["retrieve"] != previous:
        previous = server.stats["retrieve"]
        time.sleep(0.2)


def _export(settings: Any) -> str:
    out = io.StringIO()
    service.export_conversations(settings, "jsonl", out)
    return out.getvalue()


def _crash_and_resume(
    tmp_path: Path,
    database_url: str,
    mock_intercom: Callable[..., Any],
    batch_size: int,
    kills: int,
    seed: int,
    fetch_ahead: int = 2,
) -> int:
    server = mock_intercom(conversations=CONVERSATIONS, seed=5, latency_ms=25)
    base = {
        "source": "intercom",
        "classifier": "none",
        "intercom_base_url": server.base_url,
        "intercom_access_token": SecretStr(server.token),
    }
    reference = load_settings(database_url=f"sqlite:///{tmp_path / f'reference-{batch_size}.db'}", **base)
    clean = service.start_run(
        reference, window=windows.between(SINCE, UNTIL, time.time()), batch_size=batch_size
    )
    assert clean.status is RunStatus.COMPLETED

    env, rng, log = _env(database_url, server, fetch_ahead), random.Random(seed), CrashLog()
    command = ["backfill", "--since", SINCE, "--until", UNTIL, "--batch-size", str(batch_size), "--json"]
    finished: int | None = None
    for _ in range(kills * 4):
        finished = _run(command, env, database_url, server, log, rng, kill=log.kills < kills)
        if finished is not None:
            break
        if _completed(database_url):
            finished = 0  # killed after its last commit, on its way out: nothing is left to resume
            break
        command = ["resume", "--json"]
    assert finished == 0, "the run never finished"

    crashed = load_settings(database_url=database_url, **base)
    (record,) = service.list_runs(crashed)
    assert record.status is RunStatus.COMPLETED
    assert record.counts == clean.counts
    assert record.checkpoint.batches == clean.checkpoint.batches
    assert _export(crashed) == _export(reference)
    with service.open_store(crashed).read() as conn:
        total, distinct = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT source || ':' || id) FROM conversations")
        ).one()
    assert total == distinct == clean.counts.stored
    # A crash repeats only uncommitted work: the batch being analysed and those fetched ahead.
    uncommitted = (fetch_ahead + 1) * batch_size
    assert all(0 <= wasted <= uncommitted for wasted in log.wasted), log.wasted
    return log.kills


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(
    tmp_path: Path, sqlite_url: str, mock_intercom: Callable[..., Any]
) -> None:
    kills = 0
    for batch_size, seed in ((10, 1), (25, 2), (50, 3)):
        url = f"sqlite:///{tmp_path / f'crash-{batch_size}.db'}"
        kills += _crash_and_resume(tmp_path, url, mock_intercom, batch_size, kills=7, seed=seed)
    assert kills >= 20


@pytest.mark.slow
def test_sigkill_and_resume_on_postgresql(
    tmp_path: Path, database_url: str, mock_intercom: Callable[..., Any]
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs the longer variant above")
    assert _crash_and_resume(tmp_path, database_url, mock_intercom, 25, kills=4, seed=4) == 4


@pytest.mark.slow
def test_without_fetching_ahead_a_crash_re_fetches_at_most_one_batch(
    tmp_path: Path, sqlite_url: str, mock_intercom: Callable[..., Any]
) -> None:
    url = f"sqlite:///{tmp_path / 'crash-one-batch.db'}"
    assert _crash_and_resume(tmp_path, url, mock_intercom, 25, kills=6, seed=6, fetch_ahead=0) == 6
