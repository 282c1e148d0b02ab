"""Read-only queries on the task queue's jobs (procrastinate's table) and on finished runs."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.store.schema import runs

LOCK_PREFIX = "source:"
SCHEMA_LOCK = 7_364_512_019
"""Advisory lock id serialising the queue's schema creation by processes starting together."""


def ensure_queue_schema(conn: Connection, schema_sql: str) -> bool:
    """Create the task queue's tables unless present (one transaction, serialised); True if created."""
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": SCHEMA_LOCK})
    if conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one():
        return False
    # The driver reads % as a parameter marker even without parameters: the script escapes it.
    conn.exec_driver_sql(schema_sql.replace("%", "%%"))
    return True


def job_counts(conn: Connection, task: str) -> dict[str, dict[str, int]]:
    """Jobs of ``task`` per source (from their ``source:NAME`` lock) and status."""
    present = conn.execute(sa.text("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).scalar_one()
    if not present:
        return {}
    rows = conn.execute(
        sa.text(
            "SELECT lock, status::text AS status, count(*) AS jobs FROM procrastinate_jobs "
            "WHERE task_name = :task AND lock LIKE :prefix GROUP BY lock, status"
        ),
        {"task": task, "prefix": LOCK_PREFIX + "%"},
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        name = str(row.lock).removeprefix(LOCK_PREFIX)
        counts.setdefault(name, {})[str(row.status)] = int(row.jobs)
    return counts


def last_completed(conn: Connection) -> dict[str, float]:
    """Per source, when its latest completed run (backfill or sync) finished."""
    query = (
        sa.select(runs.c.source, sa.func.max(runs.c.finished_at))
        .where(runs.c.status == "completed")
        .group_by(runs.c.source)
    )
    return {str(source): float(at) for source, at in conn.execute(query) if at is not None}
