"""Small queries over stored results for summaries after a run: top categories and themes, and
each conversation's outcome in brief."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.store.schema import classifications, conversations, conversations_with_results, theme_matches


@dataclass(frozen=True)
class ResultInBrief:
    """What the store decided for one conversation: kept or not, its category and theme."""

    id: str
    kept: bool
    category: str | None
    needs_review: bool
    """False when the conversation has no classification."""
    signature: str | None


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


def results_in_brief(conn: Connection) -> list[ResultInBrief]:
    """Every stored conversation's outcome, in no particular order."""
    query = sa.select(
        conversations.c.id,
        conversations.c.kept,
        classifications.c.category,
        classifications.c.needs_review,
        theme_matches.c.signature,
    ).select_from(conversations_with_results())
    return [
        ResultInBrief(
            id=r.id,
            kept=bool(r.kept),
            category=r.category,
            needs_review=bool(r.needs_review),
            signature=r.signature,
        )
        for r in conn.execute(query)
    ]
