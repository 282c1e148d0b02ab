"""Idempotent ``INSERT .. ON CONFLICT DO UPDATE`` for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into ``table``; a row whose primary key exists replaces the stored one."""
    if not rows:
        return
    keys = [column.name for column in table.primary_key.columns]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table)
        updates = {name: pg.excluded[name] for name in rows[0] if name not in keys}
        conn.execute(pg.on_conflict_do_update(index_elements=keys, set_=updates), list(rows))
    else:
        lite = sqlite.insert(table)
        updates = {name: lite.excluded[name] for name in rows[0] if name not in keys}
        conn.execute(lite.on_conflict_do_update(index_elements=keys, set_=updates), list(rows))
