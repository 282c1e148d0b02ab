"""The Intercom source: search a time window page by page, fetch conversations concurrently."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx

from convosift.config import Settings
from convosift.domain import ListedItem, Page, Skipped, Window
from convosift.errors import (
    ConvosiftError,
    MalformedResponseError,
    SkippableRecordError,
    SourceRetriableError,
)
from convosift.logs import get_logger
from convosift.sources.base import DetailResult
from convosift.sources.intercom.client import IntercomClient, RetryPolicy
from convosift.sources.intercom.clock import Clock
from convosift.sources.intercom.normalize import normalize_conversation, record_id, timestamp
from convosift.sources.intercom.ratelimit import RateLimiter

log = get_logger(__name__)


def window_query(window: Window) -> dict[str, Any]:
    """Search filter for ``since <= updated_at < until``.

    Intercom's date fields accept only ``=``, ``<`` and ``>``, so the inclusive lower bound is
    written as ``> since - 1`` (timestamps are whole seconds).
    """
    return {
        "operator": "AND",
        "value": [
            {"field": "updated_at", "operator": ">", "value": window.since - 1},
            {"field": "updated_at", "operator": "<", "value": window.until},
        ],
    }


def search_body(window: Window, cursor: str | None, per_page: int) -> dict[str, Any]:
    pagination: dict[str, Any] = {"per_page": per_page}
    if cursor:
        pagination["starting_after"] = cursor
    return {"query": window_query(window), "pagination": pagination}


class IntercomSource:
    """:class:`~convosift.sources.base.Source` over the Intercom REST API."""

    name = "intercom"

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._client = IntercomClient(
            settings, transport=transport, clock=clock, limiter=limiter, retry=retry, rng=rng
        )
        self._per_page = settings.intercom_per_page
        self._concurrency = settings.intercom_fetch_concurrency
        # One gate for every details() call of this source, so batches fetched side by side share
        # ``intercom_fetch_concurrency``; it is made in the event loop that first needs it.
        self._gate: asyncio.Semaphore | None = None
        self._gate_loop: asyncio.AbstractEventLoop | None = None

    @property
    def limiter(self) -> RateLimiter:
        return self._client.limiter

    async def pages(self, window: Window, cursor: str | None = None) -> AsyncIterator[Page]:
        # A cursor handed out twice would page round a cycle for ever (A, B, A...): one string per
        # page of the window is the price of noticing.
        given: set[str] = set() if cursor is None else {cursor}
        while True:
            payload = await self._client.search(search_body(window, cursor, self._per_page))
            page = parse_search_page(payload, window, cursor)
            if page.next_cursor is not None and page.next_cursor in given:
                raise SourceRetriableError(
                    f"Intercom's search handed out a cursor it had given before, after {len(given)} pages: "
                    "its pages go round in a cycle",
                    hint="resume the run later; if it happens again, report it to Intercom",
                )
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor
            given.add(cursor)

    async def details(self, ids: Sequence[str]) -> list[DetailResult]:
        """The conversations of ``ids``, in order; at most ``intercom_fetch_concurrency`` requests
        are in flight for the whole source, however many calls run at once."""
        gate = self._detail_gate()
        results: list[DetailResult | None] = [None] * len(ids)

        async def fetch(index: int, conversation_id: str) -> None:
            async with gate:
                results[index] = await self._detail(conversation_id)

        try:
            async with asyncio.TaskGroup() as group:
                for index, conversation_id in enumerate(ids):
                    group.create_task(fetch(index, conversation_id))
        except BaseExceptionGroup as failures:
            raise _first_error(failures) from None
        return [result for result in results if result is not None]

    async def aclose(self) -> None:
        await self._client.aclose()

    def _detail_gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate, self._gate_loop = asyncio.Semaphore(self._concurrency), loop
        return self._gate

    async def __aenter__(self) -> IntercomSource:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def _detail(self, conversation_id: str) -> DetailResult:
        try:
            payload = await self._client.retrieve(conversation_id)
        except SkippableRecordError as exc:
            return Skipped(id=conversation_id, reason=exc.reason, detail=exc.message)
        except MalformedResponseError as exc:
            # The same conversation kept arriving unparseable: skip it rather than fail the run.
            return Skipped(id=conversation_id, reason="malformed", detail=exc.message)
        try:
            conversation = normalize_conversation(payload)
        except SkippableRecordError as exc:
            return Skipped(id=conversation_id, reason=exc.reason, detail=exc.message)
        if conversation.id != conversation_id:
            return Skipped(
                id=conversation_id,
                reason="malformed",
                detail=f"asked for conversation {conversation_id}, got {conversation.id}",
            )
        return conversation


def parse_search_page(payload: Mapping[str, Any], window: Window, cursor: str | None) -> Page:
    """A search response as a :class:`Page`; results outside the window are dropped."""
    listed = payload.get("conversations")
    if not isinstance(listed, list):
        raise SourceRetriableError("Intercom search response has no 'conversations' list")
    items = []
    for entry in listed:
        item = _listed_item(entry, window)
        if item is not None:
            items.append(item)
    next_cursor = _next_cursor(payload.get("pages"))
    if next_cursor is not None and next_cursor == cursor:
        raise SourceRetriableError("Intercom returned the cursor it was given as the next one")
    total = payload.get("total_count")
    total = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
    return Page(items=tuple(items), cursor=cursor, next_cursor=next_cursor, total=total)


def _listed_item(entry: Any, window: Window) -> ListedItem | None:
    if not isinstance(entry, Mapping) or (conversation_id := record_id(entry)) is None:
        log.warning("intercom_search_item_without_id", item=str(entry)[:200])
        return None
    updated_at = timestamp(entry.get("updated_at"))
    if updated_at is None:
        # Listed anyway so the detail fetch records why it cannot be read.
        return ListedItem(id=conversation_id, updated_at=window.since, created_at=None)
    if not window.since <= updated_at < window.until:
        return None
    created_at = timestamp(entry.get("created_at"))
    return ListedItem(id=conversation_id, updated_at=updated_at, created_at=created_at)


def _next_cursor(pages: Any) -> str | None:
    following = pages.get("next") if isinstance(pages, Mapping) else None
    if isinstance(following, Mapping):
        cursor = following.get("starting_after")
        return cursor if isinstance(cursor, str) and cursor else None
    return None


def _first_error(group: BaseExceptionGroup[Any]) -> BaseException:
    """The error to surface from concurrent fetches: the first convosift error, else the first."""
    flat: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        current = pending.pop(0)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        else:
            flat.append(current)
    return next((exc for exc in flat if isinstance(exc, ConvosiftError)), flat[0])
