"""Listing: pages of search results cut into batches that may span pages.

The generator starts at a checkpoint, honours ``max_conversations`` exactly and, when a cursor is
no longer accepted, drops the batch it was assembling and lists the window again from its start.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

from convosift.domain import Checkpoint, ListedItem, Window
from convosift.errors import InvalidCursorError, SourceRetriableError
from convosift.pipeline.checkpoint import Position
from convosift.sources.base import Source

MAX_WINDOW_RESTARTS = 5


@dataclass(frozen=True)
class ListedBatch:
    items: tuple[tuple[ListedItem, Position], ...]
    restarted: bool
    """The window was listed again from its start just before this batch."""
    window_total: int | None = None
    """The source's latest count of results in the window."""

    @property
    def last(self) -> Position:
        return self.items[-1][1]


async def listed_batches(
    source: Source, window: Window, start: Checkpoint, *, batch_size: int, budget: int | None
) -> AsyncGenerator[ListedBatch, None]:
    """Yield batches of ``batch_size`` listed items from ``start``; at most ``budget`` items in all."""
    cursor, skip, restarts, restarted = start.page_cursor, start.page_offset, 0, False
    total: int | None = None
    batch: list[tuple[ListedItem, Position]] = []
    while True:
        try:
            async for page in source.pages(window, cursor):
                size = len(page.items)
                total = page.total if page.total is not None else total
                for index, item in enumerate(page.items):
                    if index < skip:
                        continue
                    if budget is not None and budget <= 0:
                        break
                    batch.append((item, Position(page.cursor, index, size, page.next_cursor)))
                    budget = None if budget is None else budget - 1
                    if len(batch) == batch_size:
                        yield ListedBatch(tuple(batch), restarted, total)
                        batch, restarted = [], False
                skip = 0
                if budget is not None and budget <= 0:
                    break
        except InvalidCursorError as error:
            restarts += 1
            if restarts > MAX_WINDOW_RESTARTS:
                raise SourceRetriableError(
                    f"the source kept rejecting its cursors ({error.message})",
                    hint="resume the run; it restarts the window and skips what is stored",
                ) from None
            # Nothing of the batch being assembled is committed: give its items back and start over.
            budget = None if budget is None else budget + len(batch)
            cursor, skip, batch, restarted = None, 0, [], True
            continue
        break
    if batch:
        yield ListedBatch(tuple(batch), restarted, total)
