"""Idempotent ``INSERT .. ON CONFLICT DO UPDATE`` for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def upsert(conn: Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into ``table``; a row whose primary key exists replaces the stored one."""
    if not rows:
        return
    conn.execute(_statement(conn.dialect.name, table, tuple(rows[0])), list(rows))


@lru_cache(maxsize=64)
def _statement(dialect: str, table: sa.Table, columns: tuple[str, ...]) -> sa.Executable:
    """The upsert of ``columns`` into ``table``, built once: building one (its ``excluded``
    namespace copies every column) cost about a millisecond per batch and table."""
    keys = [column.name for column in table.primary_key.columns]
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    updates = {name: insert.excluded[name] for name in columns if name not in keys}
    return insert.on_conflict_do_update(index_elements=keys, set_=updates)
