"""Stored conversations with their quality outcome, category and theme."""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from convosift.api.context import AppContext, get_context
from convosift.api.schemas import Offset, PageSize
from convosift.config import Settings
from convosift.errors import NotFoundError, UnknownValueError
from convosift.pipeline.known_values import filter_problem
from convosift.store import Store, queries

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


_PARAMETERS = ("category", "theme", "quality", "source", "needs_review", "limit", "offset")


def conversation_filter(
    request: Request,
    *,
    category: str | None = Query(None, max_length=64, description="Category, or failed / unclassified."),
    theme: str | None = Query(None, max_length=128, description="Theme signature, or unmatched."),
    quality: str | None = Query(None, max_length=64, description="kept, filtered, or a filter reason."),
    source: str | None = Query(None, max_length=64),
    needs_review: Literal["true", "false", ""] | None = Query(
        None, description="true: only categories flagged for review; false: none."
    ),
) -> queries.ConversationFilter:
    # A misspelt parameter ("categroy") would filter nothing and read as "every conversation".
    unknown = sorted(set(request.query_params) - set(_PARAMETERS))
    if unknown:
        problems = []
        for name in unknown:
            close = difflib.get_close_matches(name, _PARAMETERS, n=1)
            problems.append(f"unknown parameter {name!r}" + (f", did you mean {close[0]}?" if close else ""))
        raise UnknownValueError("; ".join(problems), hint=f"the parameters are {', '.join(_PARAMETERS)}")
    return queries.ConversationFilter(
        category=category or None,
        theme=theme or None,
        quality=quality or None,
        source=source or None,
        # An empty value (the dashboard's "any") filters nothing.
        needs_review=None if not needs_review else needs_review == "true",
    )


def check_filter(store: Store, chosen: queries.ConversationFilter, settings: Settings) -> None:
    """Refuse a filter that names an unknown value (:func:`filter_problem`). Called only when a
    filter found nothing, so it costs a found page nothing."""
    problem = filter_problem(store, chosen, settings)
    if problem:
        raise UnknownValueError(problem, hint="use a known value, or leave the filter out")


@router.get("")
def list_conversations(
    chosen: queries.ConversationFilter = Depends(conversation_filter),
    limit: Annotated[PageSize, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    """Conversations, most recently updated first; ``total`` counts every match.

    A filter value that no stored conversation has and the settings do not name (a mistyped
    category, theme, source or quality) is refused with 422, naming the values it can take."""
    with context.store().read() as conn:
        items = queries.list_conversations(conn, chosen, limit=limit, offset=offset)
        total = queries.count_conversations(conn, chosen)
    if total == 0:
        check_filter(context.store(), chosen, context.settings)
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
