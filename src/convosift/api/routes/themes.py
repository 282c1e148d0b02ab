"""Themes: counts, shares, weekly series, rising markers and evidence (computed by convosift.themes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from convosift.api.context import AppContext, get_context
from convosift.api.schemas import Offset, PageSize
from convosift.themes import aggregates
from convosift.themes.vocabulary import load_vocabulary_for

router = APIRouter(tags=["themes"])

_SINCE = Query(None, max_length=40, description="Only conversations created from this ISO date or time.")
_UNTIL = Query(None, max_length=40, description="Only conversations created before this ISO date or time.")
_SOURCE = Query(None, min_length=1, max_length=64, description="Only conversations of this source.")


def theme_table(
    context: AppContext, since: str | None = None, until: str | None = None, source: str | None = None
) -> list[dict[str, Any]]:
    """Every theme with stored matches, biggest first (shared by the API and the dashboard)."""
    vocabulary = load_vocabulary_for(context.settings)
    return aggregates.theme_summary(
        context.store(), since, until, vocabulary=vocabulary, source=context.source_filter(source)
    )


def one_theme(
    context: AppContext,
    signature: str,
    since: str | None = None,
    until: str | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    vocabulary = load_vocabulary_for(context.settings)
    return aggregates.theme_detail(
        context.store(), signature, since, until, vocabulary=vocabulary, limit=limit, offset=offset
    )


@router.get("/api/overview")
def get_overview(
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    source: str | None = _SOURCE,
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    """Kept conversations of the period: how many have a theme, how many categories are guesses
    flagged for review (``needs_review``), each category's count, share and flagged count
    (``category_totals``), and the weekly count of each category (``categories``, one number per
    entry of ``weeks``)."""
    return aggregates.overview(context.store(), since, until, source=context.source_filter(source))


@router.get("/api/themes")
def list_themes(
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    source: str | None = _SOURCE,
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    """Themes with count, share, first/last seen, weekly series (the weeks of the period from its
    first stored conversation to its last, at most the last 520), change, ``rising`` and top quotes."""
    themes = theme_table(context, since, until, source)
    return {"themes": themes, "rising": [t["signature"] for t in aggregates.rising_themes(themes)]}


@router.get("/api/themes/{signature}")
def get_theme(
    signature: str,
    *,
    since: str | None = _SINCE,
    until: str | None = _UNTIL,
    limit: Annotated[PageSize, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    """One theme's figures and series with a page of its conversations (404 for an unknown signature)."""
    return one_theme(context, signature, since, until, limit=limit, offset=offset)
