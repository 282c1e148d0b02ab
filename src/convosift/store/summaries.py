"""Small aggregate queries over stored results (summaries after a run)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.store.schema import classifications, theme_matches


def top_categories(conn: Connection, *, limit: int = 10) -> list[tuple[str, int]]:
    """Most frequent categories of classified conversations, largest first."""
    count = sa.func.count().label("n")
    query = (
        sa.select(classifications.c.category, count)
        .where(classifications.c.category.is_not(None))
        .group_by(classifications.c.category)
        .order_by(count.desc(), classifications.c.category)
        .limit(limit)
    )
    return [(str(row.category), int(row.n)) for row in conn.execute(query)]


def top_themes(conn: Connection, *, limit: int = 10) -> list[tuple[str, int]]:
    """Most frequent matched themes, largest first."""
    count = sa.func.count().label("n")
    query = (
        sa.select(theme_matches.c.signature, count)
        .where(theme_matches.c.signature.is_not(None))
        .group_by(theme_matches.c.signature)
        .order_by(count.desc(), theme_matches.c.signature)
        .limit(limit)
    )
    return [(str(row.signature), int(row.n)) for row in conn.execute(query)]
