"""Stored conversations with their quality outcome, category and theme."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from convosift.api.context import AppContext, get_context
from convosift.api.schemas import Offset, PageSize
from convosift.errors import NotFoundError
from convosift.store import queries

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


def conversation_filter(
    category: str | None = Query(None, max_length=64, description="Category, or failed / unclassified."),
    theme: str | None = Query(None, max_length=128, description="Theme signature, or unmatched."),
    quality: str | None = Query(None, max_length=64, description="kept, filtered, or a filter reason."),
    source: str | None = Query(None, max_length=64),
    needs_review: str | None = Query(
        None, pattern="^(true|false)?$", description="true: only categories flagged for review; false: none."
    ),
) -> queries.ConversationFilter:
    return queries.ConversationFilter(
        category=category or None,
        theme=theme or None,
        quality=quality or None,
        source=source or None,
        # An empty value (the dashboard's "any") filters nothing.
        needs_review=None if not needs_review else needs_review == "true",
    )


@router.get("")
def list_conversations(
    chosen: queries.ConversationFilter = Depends(conversation_filter),
    limit: Annotated[PageSize, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    """Conversations, most recently updated first; ``total`` counts every match."""
    with context.store().read() as conn:
        items = queries.list_conversations(conn, chosen, limit=limit, offset=offset)
        total = queries.count_conversations(conn, chosen)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


# Ids are opaque: ``path`` lets one hold a slash, which arrives percent-encoded (%2F) and decoded.
@router.get("/{conversation_id:id}")
def get_conversation(
    conversation_id: str,
    source: str | None = Query(None, max_length=64),
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    with context.store().read() as conn:
        found = queries.get_conversation(conn, conversation_id, source)
    if found is None:
        raise NotFoundError(f"no stored conversation with id {conversation_id}")
    return found
