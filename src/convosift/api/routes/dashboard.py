"""Server-rendered dashboard pages. They read what the JSON API reads; the page script polls the API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from convosift.api.context import AppContext, get_context
from convosift.api.rendering import render
from convosift.api.routes.conversations import conversation_filter
from convosift.api.routes.themes import one_theme, theme_table
from convosift.api.schemas import Offset
from convosift.errors import NotFoundError
from convosift.pipeline.known_values import filter_problem
from convosift.pipeline.records import DISPLAYED_COUNTERS
from convosift.store import queries
from convosift.store.proposals import count_open
from convosift.themes.proposals import open_proposals
from convosift.themes.vocabulary import load_vocabulary_for

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


_SOURCE = Query(None, min_length=1, max_length=64, description="Only this source.")


@router.get("/", response_class=HTMLResponse, name="dashboard")
def dashboard(
    request: Request, source: str | None = _SOURCE, context: AppContext = Depends(get_context)
) -> HTMLResponse:
    name = context.source_filter(source)
    with context.store().read() as conn:
        categories = queries.category_counts(conn, limit=10, source=name)
        kept = queries.count_conversations(conn, queries.ConversationFilter(quality="kept", source=name))
        unthemed = queries.count_conversations(
            conn, queries.ConversationFilter(theme="unmatched", source=name)
        )
        proposals = count_open(conn)
    return render(
        request,
        "index.html",
        page="dashboard",
        active=[record.to_dict() for record in context.service.active_runs(source=name)],
        history=[record.to_dict() for record in context.service.list_runs(limit=15, source=name)],
        categories=categories,
        themes=theme_table(context, source=source)[:10],
        vocabulary_themes=len(load_vocabulary_for(context.settings).active),
        kept=kept,
        unthemed=unthemed,
        open_proposals=proposals,
        counter_names=DISPLAYED_COUNTERS,
        **_sources(context, name),
    )


def _sources(context: AppContext, chosen: str | None) -> dict[str, Any]:
    """The named sources a page can be filtered by, and the one it shows (None: every source)."""
    return {"source_names": sorted(context.settings.sources), "source": chosen}


@router.get("/conversations", response_class=HTMLResponse, name="conversations_page")
def conversations_page(
    request: Request,
    chosen: queries.ConversationFilter = Depends(conversation_filter),
    offset: Annotated[Offset, Query()] = 0,
    context: AppContext = Depends(get_context),
) -> HTMLResponse:
    with context.store().read() as conn:
        items = queries.list_conversations(conn, chosen, limit=PAGE_SIZE, offset=offset)
        category_options = queries.stored_values(conn, "category")
    # A mistyped filter says so on the page instead of reading as "no conversations match".
    problem = filter_problem(context.store(), chosen, context.settings) if not items else None

    def page_query(new_offset: int) -> str:
        values: dict[str, Any] = {
            key: str(value).lower() if isinstance(value, bool) else value
            for key, value in vars(chosen).items()
            if value is not None and key != "source"
        }
        return urlencode({**values, "offset": max(new_offset, 0)})

    return render(
        request,
        "conversations.html",
        page="conversations",
        conversations=items,
        filters=chosen,
        category_options=category_options,
        filter_problem=problem,
        limit=PAGE_SIZE,
        offset=offset,
        page_query=page_query,
    )


# ``path``: an id may hold a slash (links encode it as %2F, which arrives decoded).
@router.get("/conversations/{conversation_id:id}", response_class=HTMLResponse, name="conversation_page")
def conversation_page(
    request: Request, conversation_id: str, context: AppContext = Depends(get_context)
) -> HTMLResponse:
    with context.store().read() as conn:
        found = queries.get_conversation(conn, conversation_id)
    if found is None:
        raise NotFoundError(f"no stored conversation with id {conversation_id}")
    return render(request, "conversation.html", page="conversations", conversation=found)


@router.get("/themes", response_class=HTMLResponse, name="themes_page")
def themes_page(
    request: Request, source: str | None = _SOURCE, context: AppContext = Depends(get_context)
) -> HTMLResponse:
    name = context.source_filter(source)
    return render(
        request,
        "themes.html",
        page="themes",
        themes=theme_table(context, source=source),
        **_sources(context, name),
    )


@router.get("/themes/{signature}", response_class=HTMLResponse, name="theme_page")
def theme_page(request: Request, signature: str, context: AppContext = Depends(get_context)) -> HTMLResponse:
    detail = one_theme(context, signature, limit=PAGE_SIZE)
    return render(request, "theme.html", page="themes", theme=detail, series=detail["series"])


@router.get("/proposals", response_class=HTMLResponse, name="proposals_page")
def proposals_page(request: Request, context: AppContext = Depends(get_context)) -> HTMLResponse:
    """Open proposals with the forms that accept, rename, merge or dismiss them through the API."""
    vocabulary = load_vocabulary_for(context.settings)
    return render(
        request,
        "proposals.html",
        page="proposals",
        overview=open_proposals(context.store()),
        targets=[theme for theme in vocabulary.themes if theme.status == "active"],
        token_required=context.settings.api_token is not None,
    )
