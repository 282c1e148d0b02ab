"""Run lifecycle in the database: create, claim (resume or take over), stop, finish.

Every state change is a row update guarded by the run's lease, a token that changes whenever
another execution takes the run over; a process that lost its run can no longer commit to it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from convosift.domain import RunCounts, RunKind, RunStatus, Window
from convosift.errors import ConfigurationError, RunConflictError, RunTakenOverError
from convosift.pipeline import checkpoint as checkpoints
from convosift.pipeline.records import RunOptions, is_stale, this_owner
from convosift.secrets import scrub
from convosift.store import Store
from convosift.store import runs as run_rows
from convosift.store.bookmarks import advance_bookmark
from convosift.store.runs import RunRow

Clock = Callable[[], float]
ERROR_LIMIT = 2000

_executing: set[str] = set()
_executing_lock = threading.Lock()


def executing_here() -> frozenset[str]:
    """Ids of runs an execution of this process is working on right now."""
    with _executing_lock:
        return frozenset(_executing)


@contextmanager
def executing(run_id: str) -> Iterator[None]:
    with _executing_lock:
        _executing.add(run_id)
    try:
        yield
    finally:
        with _executing_lock:
            _executing.discard(run_id)


@dataclass(frozen=True)
class Claim:
    """The right to execute one run: its row at claim time and the lease every update must show."""

    row: RunRow
    lease: str


def new_lease() -> str:
    return uuid.uuid4().hex


def create(
    store: Store, *, kind: RunKind, source: str, window: Window, options: RunOptions, clock: Clock
) -> Claim:
    """Register a running run owned by this process (RunConflictError if the source has one)."""
    if window.until <= window.since:
        raise ConfigurationError(f"empty window: since {window.since} is not before until {window.until}")
    now, owner, lease = clock(), this_owner(), new_lease()
    values: dict[str, Any] = {
        "id": uuid.uuid4().hex[:16],
        "kind": kind.value,
        "source": source,
        "status": RunStatus.RUNNING.value,
        "since": window.since,
        "until": window.until,
        # A flag left at its default is not written: a worker of an older version reads the row too.
        "options": options.model_dump(exclude=None if options.reanalyze else {"reanalyze"}),
        "counts": RunCounts().model_dump(),
        "checkpoint": checkpoints.initial().model_dump(),
        "preview": [],
        "phase": "starting",
        "owner_host": owner.host,
        "owner_pid": owner.pid,
        "lease": lease,
        "started_at": now,
        "heartbeat_at": now,
        "finished_at": None,
        "error": None,
    }
    with store.write() as conn:
        run_rows.insert_run(conn, values)
        return Claim(row=run_rows.get_run(conn, values["id"]), lease=lease)


def claim(store: Store, run_id: str, *, clock: Clock, stale_after: float) -> Claim:
    """Take a run to execute it: a stopped or failed one, one this process registered, or a stale one."""
    now = clock()
    with store.write() as conn:
        row = run_rows.get_run(conn, run_id)
        status = RunStatus(row["status"])
        if status is RunStatus.COMPLETED:
            raise ConfigurationError(f"run {run_id} is already completed; nothing to resume")
        if status.active and not _claimable(row, now=now, stale_after=stale_after):
            raise RunConflictError(
                f"run {run_id} is {status.value} in process {row['owner_pid']} on {row['owner_host']}",
                hint="stop it with `convosift stop`, or wait until its heartbeat is stale",
            )
        owner, lease = this_owner(), new_lease()
        taken = run_rows.take_over(
            conn,
            run_id,
            row["lease"],
            {
                "status": RunStatus.RUNNING.value,
                "owner_host": owner.host,
                "owner_pid": owner.pid,
                "lease": lease,
                "heartbeat_at": now,
                "finished_at": None,
                "error": None,
                "phase": "resuming",
            },
        )
        if not taken:
            raise RunConflictError(f"run {run_id} was claimed by another process at the same moment")
        return Claim(row=run_rows.get_run(conn, run_id), lease=lease)


def _claimable(row: RunRow, *, now: float, stale_after: float) -> bool:
    owner = this_owner()
    mine_but_idle = (
        row["owner_host"] == owner.host
        and row["owner_pid"] == owner.pid
        and row["id"] not in executing_here()
    )
    return mine_but_idle or is_stale(row, now=now, stale_after=stale_after)


def request_stop(store: Store, run_id: str, *, clock: Clock, stale_after: float) -> RunRow:
    """Ask a running run to stop at its next batch boundary; a stale one is marked stopped at once."""
    now = clock()
    with store.write() as conn:
        row = run_rows.get_run(conn, run_id)
        status = RunStatus(row["status"])
        if not status.active:
            return row
        if is_stale(row, now=now, stale_after=stale_after):
            values = {"status": RunStatus.STOPPED.value, "finished_at": now, "phase": "stopped"}
            run_rows.update_run(conn, run_id, values, lease=row["lease"])
        elif status is RunStatus.RUNNING:
            run_rows.update_run(conn, run_id, {"status": RunStatus.STOPPING.value, "phase": "stopping"})
        return run_rows.get_run(conn, run_id)


def fail(store: Store, claim: Claim, error: BaseException, *, clock: Clock) -> None:
    """Record a failure (its message scrubbed); the checkpoint stays, so the run can be resumed."""
    message = scrub(str(error) or type(error).__name__)[:ERROR_LIMIT]
    values = {"status": RunStatus.FAILED.value, "error": message, "finished_at": clock(), "phase": "failed"}
    with store.write() as conn:
        run_rows.update_run(conn, claim.row["id"], values, lease=claim.lease)


def mark_stopped(store: Store, claim: Claim, *, clock: Clock, phase: str = "stopped") -> None:
    values = {"status": RunStatus.STOPPED.value, "finished_at": clock(), "phase": phase}
    with store.write() as conn:
        run_rows.update_run(conn, claim.row["id"], values, lease=claim.lease)


def complete(store: Store, claim: Claim, *, clock: Clock, bookmark: int | None) -> None:
    """Mark the run completed and, in the same transaction, move the source's sync bookmark."""
    now = clock()
    values = {"status": RunStatus.COMPLETED.value, "finished_at": now, "phase": "done", "error": None}
    with store.write() as conn:
        if not run_rows.update_run(conn, claim.row["id"], values, lease=claim.lease):
            raise RunTakenOverError(claim.row["id"])
        if bookmark is not None:
            advance_bookmark(conn, str(claim.row["source"]), bookmark, str(claim.row["id"]), now)
