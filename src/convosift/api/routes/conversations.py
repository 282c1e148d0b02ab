"""Stored conversations with their quality outcome, category and theme."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from convosift.api.context import AppContext, get_context
from convosift.api.schemas import Offset, PageSize
from convosift.classify.taxonomy import load_taxonomy
from convosift.config import Settings
from convosift.errors import ConfigurationError, NotFoundError, UnknownValueError
from convosift.filtering import REASONS
from convosift.store import queries
from convosift.store.database import Store
from convosift.themes.vocabulary import load_vocabulary_for

SHOWN_CHOICES = 12
"""How many of a field's known values an unknown filter value's error lists."""

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


def check_filter(store: Store, chosen: queries.ConversationFilter, settings: Settings) -> None:
    """Refuse a filter value that nothing stored has and nothing configured names (a mistyped
    category, theme, source or quality), listing the values it could take: an empty list would
    read as "none of those". Called only when a filter found nothing, so it costs a found page
    nothing."""
    problem = filter_problem(store, chosen, settings)
    if problem:
        raise UnknownValueError(
            problem, hint="no stored conversation has it, and the settings do not name it"
        )


def filter_problem(store: Store, chosen: queries.ConversationFilter, settings: Settings) -> str | None:
    """What :func:`check_filter` refuses, in words, or None."""
    problems: list[str] = []
    for field, configured in _configured_values(settings).items():
        value = getattr(chosen, field)
        if value is None or value in configured:
            continue
        with store.read() as conn:
            stored = queries.stored_values(conn, field)
        if value in stored:
            continue
        choices = sorted(set(configured) | set(stored))
        more = len(choices) - SHOWN_CHOICES
        shown = ", ".join(choices[:SHOWN_CHOICES]) + (f" and {more} more" if more > 0 else "")
        close = difflib.get_close_matches(value, choices, n=3)
        guess = f", did you mean {' or '.join(close)}?" if close else ""
        problems.append(f"{field}: unknown {field} {value!r}{guess} (known: {shown})")
    return "; ".join(problems) or None


def _configured_values(settings: Settings) -> dict[str, set[str]]:
    """Per filter field, the values the settings name, found or not: the taxonomy's categories,
    the vocabulary's themes, the configured sources and every quality outcome."""
    try:
        categories = set(load_taxonomy(settings.taxonomy_path).names)
    except ConfigurationError:
        categories = set()  # what is stored still counts; the taxonomy's own error shows elsewhere
    try:
        themes = {theme.signature for theme in load_vocabulary_for(settings).themes}
    except ConfigurationError:
        themes = set()
    return {
        "category": categories | set(queries.NON_CATEGORY_STATUSES),
        "theme": themes | {queries.UNMATCHED},
        "source": set(settings.sources) | {settings.source},
        "quality": set(REASONS) | {"kept", "filtered"},
    }


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
