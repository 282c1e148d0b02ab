"""Sync bookmarks: per source, everything updated before the bookmark is stored."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.store.schema import sync_bookmarks
from convosift.store.upsert import upsert


def get_bookmark(conn: Connection, source: str) -> int | None:
    query = sa.select(sync_bookmarks.c.bookmark).where(sync_bookmarks.c.source == source)
    value = conn.execute(query).scalar_one_or_none()
    return int(value) if value is not None else None


def advance_bookmark(conn: Connection, source: str, bookmark: int, run_id: str, now: float) -> int:
    """Move the bookmark forward (never back); returns the bookmark now stored."""
    current = get_bookmark(conn, source)
    if current is not None and current >= bookmark:
        return current
    upsert(
        conn, sync_bookmarks, [{"source": source, "bookmark": bookmark, "run_id": run_id, "updated_at": now}]
    )
    return bookmark
