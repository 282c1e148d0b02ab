"""The contract every source adapter fulfils.

A source lists conversations of a time window page by page (cheap: ids and ``updated_at``) and
fetches the details of chosen ids (expensive: one request each for Intercom). The pipeline skips
conversations already stored with the same ``updated_at`` between the two, so a resume or a
cursor-expiry restart costs search calls only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

from convosift.domain import Conversation, Page, Skipped, Window

DetailResult = Conversation | Skipped


@runtime_checkable
class Source(Protocol):
    name: str
    """Stable identity of the source (e.g. ``intercom``); runs and rows are keyed by it."""

    def pages(self, window: Window, cursor: str | None = None) -> AsyncIterator[Page]:
        """Yield the window's pages in order, starting with the page ``cursor`` produces.

        ``cursor=None`` starts at the window's first page. Raises
        :class:`~convosift.errors.InvalidCursorError` when the cursor is no longer accepted.
        """
        ...

    async def details(self, ids: Sequence[str]) -> list[DetailResult]:
        """Fetch full conversations, one result per id in the same order.

        A conversation that cannot be read (gone, malformed) comes back as :class:`Skipped`
        with a reason instead of raising; fatal and retriable errors raise.
        """
        ...

    async def aclose(self) -> None: ...
