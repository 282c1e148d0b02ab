"""Read-only views of stored conversations with their analysis, and category counts (API and dashboard).

Queries are SQLAlchemy Core with bound parameters only; filters never reach SQL as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.store.schema import classifications, conversations, conversations_with_results, theme_matches

UNMATCHED = "unmatched"
EXCERPT_CHARS = 280
NON_CATEGORY_STATUSES = ("failed", "unclassified")


@dataclass(frozen=True)
class ConversationFilter:
    category: str | None = None
    """A category, or ``failed`` / ``unclassified`` for conversations without one."""
    theme: str | None = None
    """A theme signature, or ``unmatched`` for kept conversations without a theme."""
    quality: str | None = None
    """``kept``, ``filtered``, or one filter reason code."""
    source: str | None = None
    needs_review: bool | None = None
    """Only the conversations whose category is flagged for review (True) or is not (False)."""


def _joined() -> sa.FromClause:
    return conversations_with_results()


def _columns() -> list[Any]:
    c, k, t = conversations.c, classifications.c, theme_matches.c
    return [
        c.source,
        c.id,
        c.created_at,
        c.updated_at,
        c.state,
        c.subject,
        c.url,
        c.tags,
        c.kept,
        c.quality_reason,
        c.customer_text,
        k.status.label("classification_status"),
        k.category,
        k.confidence,
        k.needs_review,
        t.signature.label("theme"),
        t.score.label("theme_score"),
        t.evidence,
    ]


def _where(query: sa.Select[Any], chosen: ConversationFilter) -> sa.Select[Any]:
    c, k, t = conversations.c, classifications.c, theme_matches.c
    if chosen.source:
        query = query.where(c.source == chosen.source)
    if chosen.category:
        if chosen.category in NON_CATEGORY_STATUSES:
            query = query.where(k.status == chosen.category)
        else:
            query = query.where(k.category == chosen.category)
    if chosen.theme:
        if chosen.theme == UNMATCHED:
            query = query.where(c.kept.is_(True), t.signature.is_(None))
        else:
            query = query.where(t.signature == chosen.theme)
    if chosen.needs_review is not None:
        query = query.where(k.needs_review.is_(chosen.needs_review))
    if chosen.quality == "kept":
        query = query.where(c.kept.is_(True))
    elif chosen.quality == "filtered":
        query = query.where(c.kept.is_(False))
    elif chosen.quality:
        query = query.where(c.quality_reason == chosen.quality)
    return query


def _as_dict(row: Any, *, full_text: bool) -> dict[str, Any]:
    values = dict(row._mapping)
    values["kept"] = bool(values["kept"])
    values["tags"] = list(values["tags"] or [])
    if values["needs_review"] is not None:
        values["needs_review"] = bool(values["needs_review"])
    if not full_text:
        text = values.pop("customer_text") or ""
        values["excerpt"] = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
    return values


def list_conversations(
    conn: Connection, chosen: ConversationFilter, *, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Conversations matching ``chosen``, most recently updated first, each with an excerpt."""
    c = conversations.c
    query = _where(sa.select(*_columns()).select_from(_joined()), chosen)
    query = query.order_by(c.updated_at.desc(), c.source, c.id).limit(limit).offset(offset)
    return [_as_dict(row, full_text=False) for row in conn.execute(query)]


def count_conversations(conn: Connection, chosen: ConversationFilter) -> int:
    query = _where(sa.select(sa.func.count()).select_from(_joined()), chosen)
    return int(conn.execute(query).scalar_one())


def get_conversation(
    conn: Connection, conversation_id: str, source: str | None = None
) -> dict[str, Any] | None:
    """One conversation with its full customer text, or None."""
    c = conversations.c
    query = sa.select(*_columns()).select_from(_joined()).where(c.id == conversation_id)
    if source:
        query = query.where(c.source == source)
    row = conn.execute(query.order_by(c.source).limit(1)).first()
    return _as_dict(row, full_text=True) if row is not None else None


def category_counts(conn: Connection, *, limit: int = 10, source: str | None = None) -> list[dict[str, Any]]:
    """Kept conversations (of one source, if given) per category, largest first, with each one's
    share of the classified total."""
    k = classifications.c
    count = sa.func.count().label("count")
    review = sa.func.sum(sa.case((k.needs_review, 1), else_=0)).label("needs_review")
    query = (
        sa.select(k.category, count, review)
        .where(k.status == "classified", *([k.source == source] if source is not None else []))
        .group_by(k.category)
        .order_by(count.desc(), k.category)
    )
    rows = [(str(category), int(n), int(r or 0)) for category, n, r in conn.execute(query)]
    total = sum(n for _name, n, _r in rows) or 1
    return [
        {"category": name, "count": n, "needs_review": r, "share_percent": round(100 * n / total, 1)}
        for name, n, r in rows[:limit]
    ]


_FILTERED_COLUMNS = {
    "category": classifications.c.category,
    "theme": theme_matches.c.signature,
    "source": conversations.c.source,
    "quality": conversations.c.quality_reason,
}


def stored_values(conn: Connection, field: str) -> list[str]:
    """The distinct values stored for one filter field (``category``, ``theme``, ``source`` or
    ``quality``), sorted: what a filter on that field can find."""
    column = _FILTERED_COLUMNS[field]
    query = sa.select(column).where(column.is_not(None)).distinct().order_by(column)
    return [str(value) for value in conn.execute(query).scalars()]
