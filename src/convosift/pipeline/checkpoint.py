"""The checkpoint vocabulary: small pure functions, the only way a :class:`Checkpoint` changes.

A checkpoint names the page that holds the next unprocessed item (by the cursor that produced
it, None for the window's first page) and how many of that page's items are committed. A batch
may span pages; after it commits, the checkpoint points just past its last item.
"""

from __future__ import annotations

from dataclasses import dataclass

from convosift.domain import Checkpoint

CHECKPOINT_VERSION = 1


@dataclass(frozen=True)
class Position:
    """Where a listed item sits: the page's cursor, its index there, and the page's shape."""

    page_cursor: str | None
    index: int
    page_size: int
    next_cursor: str | None


def initial() -> Checkpoint:
    """The start of a window."""
    return Checkpoint(version=CHECKPOINT_VERSION)


def advance_within_page(checkpoint: Checkpoint, page_cursor: str | None, committed: int) -> Checkpoint:
    """``committed`` items of the page ``page_cursor`` produced are done."""
    return checkpoint.model_copy(update={"page_cursor": page_cursor, "page_offset": committed})


def move_to_next_page(checkpoint: Checkpoint, next_cursor: str) -> Checkpoint:
    """Every item of the current page is done; the next one starts at offset 0."""
    return checkpoint.model_copy(update={"page_cursor": next_cursor, "page_offset": 0})


def restart_window(checkpoint: Checkpoint) -> Checkpoint:
    """The cursor is no longer accepted: list the window again from its first page.

    Committed batches and the watermark stay; conversations already stored unchanged are
    recognised by ``(id, updated_at)`` and cost nothing but the listing.
    """
    return checkpoint.model_copy(update={"page_cursor": None, "page_offset": 0})


def after_item(checkpoint: Checkpoint, position: Position) -> Checkpoint:
    """Everything up to and including the item at ``position`` is done."""
    done = position.index + 1
    if done >= position.page_size and position.next_cursor is not None:
        return move_to_next_page(checkpoint, position.next_cursor)
    return advance_within_page(checkpoint, position.page_cursor, done)


def count_batch(checkpoint: Checkpoint, max_updated_at: int | None) -> Checkpoint:
    """One more batch committed; the watermark is the highest ``updated_at`` committed so far."""
    watermark = checkpoint.watermark
    if max_updated_at is not None:
        watermark = max_updated_at if watermark is None else max(watermark, max_updated_at)
    return checkpoint.model_copy(update={"batches": checkpoint.batches + 1, "watermark": watermark})


def commit_batch(checkpoint: Checkpoint, last: Position, max_updated_at: int | None) -> Checkpoint:
    """The checkpoint committed with a batch whose last item is at ``last``."""
    return count_batch(after_item(checkpoint, last), max_updated_at)


def from_json(data: object) -> Checkpoint:
    """Read a stored checkpoint (older versions would be upgraded here)."""
    if not data:
        return initial()
    return Checkpoint.model_validate(data)
