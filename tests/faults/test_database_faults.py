"""The database fails during a backfill: a writer holding the SQLite lock, a statement that fails
inside the batch transaction, PostgreSQL connections killed under the run."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import services as service
from convosift.domain import RunStatus
from convosift.errors import ConvosiftError
from convosift.mock.server import MockIntercomHandle
from faults.conftest import BATCH, INBOX, backfill, export, resume_until_done, settings_for

Server = Callable[..., MockIntercomHandle]


def test_sqlite_locked_by_another_writer_waits_then_completes(
    mock_intercom: Server, reference: Callable[..., Any], tmp_path: Path
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX, latency_ms=5)
    path = tmp_path / "locked.db"
    settings = settings_for(server, f"sqlite:///{path}")
    service.open_store(settings)
    seen_while_locked: list[int] = []
    locker: list[threading.Thread] = []
    locked = threading.Event()

    def hold_the_write_lock() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        try:
            conn.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(1.0)
            (checkpoint,) = conn.execute("SELECT checkpoint FROM runs").fetchone()
            seen_while_locked.append(json.loads(checkpoint)["batches"])
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    def lock_after_first_batch(record: Any) -> None:
        if record.checkpoint.batches == 1 and not locker:
            locker.append(threading.Thread(target=hold_the_write_lock))
            locker[0].start()
            # Hold the pipeline until the other writer has the lock, however busy the machine is.
            assert locked.wait(timeout=30)

    record = backfill(settings, progress=lock_after_first_batch)
    locker[0].join(timeout=30)
    assert record.status is RunStatus.COMPLETED
    # While the other writer held the lock, no batch could commit.
    assert seen_while_locked and seen_while_locked[0] <= 2 < record.checkpoint.batches
    assert export(settings) == expected
    assert record.counts == counts


def _install_failing_trigger(engine: sa.Engine, victim: str) -> None:
    # DDL cannot take bound parameters; the victim id is a generated digit string.
    assert victim.isdigit()
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                sa.text(
                    "CREATE TRIGGER fail_midway BEFORE INSERT ON conversations "
                    f"WHEN NEW.id = '{victim}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
            )
        else:
            conn.execute(
                sa.text(
                    "CREATE FUNCTION fail_midway() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.id = '{victim}' THEN RAISE EXCEPTION 'injected failure'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                sa.text(
                    "CREATE TRIGGER fail_midway BEFORE INSERT ON conversations "
                    "FOR EACH ROW EXECUTE FUNCTION fail_midway()"
                )
            )


def _drop_failing_trigger(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "DROP TRIGGER fail_midway" + ("" if engine.dialect.name == "sqlite" else " ON conversations")
            )
        )


def test_a_statement_failing_inside_the_batch_transaction_rolls_back_and_resumes(
    mock_intercom: Server, reference: Callable[..., Any], database_url: str
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX)
    settings = settings_for(server, database_url)
    service.open_store(settings)
    listing = sorted(server.state.inbox.plans, key=lambda p: (p.updated_at, int(p.id)))
    victim = listing[3 * BATCH + 4].id
    engine = sa.create_engine(database_url)
    try:
        _install_failing_trigger(engine, victim)
        failed = backfill(settings)
        assert failed.status is RunStatus.FAILED
        assert "database" in (failed.error or "")
        # The batch holding the victim was rolled back whole: rows, counters and checkpoint.
        assert failed.checkpoint.batches == 3
        assert failed.counts.stored == 3 * BATCH
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT count(*) FROM conversations")).scalar_one()
        assert stored == 3 * BATCH
        _drop_failing_trigger(engine)
    finally:
        engine.dispose()
    done = resume_until_done(settings, failed)
    assert done.status is RunStatus.COMPLETED
    assert export(settings) == expected
    assert done.counts == counts


def test_postgresql_connections_killed_during_the_run(
    mock_intercom: Server, reference: Callable[..., Any], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: terminates server backends")
    expected, counts = reference()
    server = mock_intercom(**INBOX, latency_ms=50)
    settings = settings_for(server, database_url)
    service.open_store(settings)
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    killed: list[int] = []
    stop = threading.Event()

    def kill_backends() -> None:
        with admin.connect() as conn:
            while not stop.is_set():
                pids = (
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    )
                    .scalars()
                    .all()
                )
                killed.append(sum(bool(p) for p in pids))
                stop.wait(0.15)

    killer = threading.Thread(target=kill_backends, daemon=True)
    started: list[bool] = []

    def start_killing(record: Any) -> None:
        if record.checkpoint.batches == 1 and not started:
            started.append(True)
            killer.start()
            threading.Timer(1.5, stop.set).start()

    try:
        try:
            record = backfill(settings, progress=start_killing)
        except ConvosiftError:
            record = None  # even recording the failure lost its connection
        stop.wait(5)
    finally:
        stop.set()
        if killer.is_alive():
            killer.join(timeout=10)
        admin.dispose()
    for _ in range(5):
        if record is not None and record.status is RunStatus.COMPLETED:
            break
        (run,) = service.list_runs(settings)
        # Reading the record back can lose its connection after the run was recorded as ended.
        record = run if run.status is RunStatus.COMPLETED else service.resume_run(settings, run.id)
    assert sum(killed) > 0
    assert record is not None and record.status is RunStatus.COMPLETED
    assert export(settings) == expected
    assert record.counts == counts
