"""Run rows: insert (one active run per source), read, and lease-guarded updates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection, RowMapping

from convosift.errors import RunConflictError, RunNotFoundError
from convosift.store.schema import ACTIVE_RUN_STATUSES, runs

RunRow = RowMapping


def insert_run(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a run; :class:`RunConflictError` when the source already has an active run."""
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(runs).values(**values))
    except exc.IntegrityError:
        raise _conflict(conn, str(values["source"])) from None


def get_run(conn: Connection, run_id: str) -> RunRow:
    row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).mappings().first()
    if row is None:
        raise RunNotFoundError(f"no run with id {run_id}", hint="list runs with `convosift runs`")
    return row


def list_runs(
    conn: Connection,
    *,
    limit: int = 20,
    offset: int = 0,
    source: str | None = None,
    statuses: Sequence[str] | None = None,
) -> list[RunRow]:
    """Runs newest first."""
    query = sa.select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(limit).offset(offset)
    if source is not None:
        query = query.where(runs.c.source == source)
    if statuses is not None:
        query = query.where(runs.c.status.in_(statuses))
    return list(conn.execute(query).mappings())


def active_runs(conn: Connection) -> list[RunRow]:
    return list_runs(conn, limit=1000, statuses=ACTIVE_RUN_STATUSES)


def update_run(conn: Connection, run_id: str, values: Mapping[str, Any], *, lease: str | None = None) -> bool:
    """Update a run; with ``lease``, only while this execution still owns it. True if a row changed."""
    query = sa.update(runs).where(runs.c.id == run_id)
    if lease is not None:
        query = query.where(runs.c.lease == lease)
    return conn.execute(query.values(**values)).rowcount == 1


def take_over(conn: Connection, run_id: str, expected_lease: str | None, values: Mapping[str, Any]) -> bool:
    """Give the run to a new owner if nobody changed its lease meanwhile (compare and set)."""
    query = sa.update(runs).where(runs.c.id == run_id)
    query = query.where(runs.c.lease.is_(None) if expected_lease is None else runs.c.lease == expected_lease)
    try:
        with conn.begin_nested():
            changed = conn.execute(query.values(**values)).rowcount == 1
    except exc.IntegrityError:
        row = get_run(conn, run_id)
        raise _conflict(conn, str(row["source"])) from None
    return changed


def _conflict(conn: Connection, source: str) -> RunConflictError:
    active = list_runs(conn, limit=1, source=source, statuses=ACTIVE_RUN_STATUSES)
    which = f" ({active[0]['id']}, {active[0]['status']})" if active else ""
    return RunConflictError(
        f"another run is already active for source {source}{which}",
        hint="wait for it, stop it with `convosift stop`, or resume it with `convosift resume`",
    )
