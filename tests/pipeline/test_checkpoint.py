"""The checkpoint arithmetic: named pure functions, and exact resume for any pages, batches and crashes."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from convosift.domain import Checkpoint, Window
from convosift.pipeline import checkpoint as checkpoints
from convosift.pipeline.batches import listed_batches
from convosift.pipeline.checkpoint import Position
from pipeline.memory import BASE_TIME, MemorySource, make_inbox

WINDOW = Window(since=0, until=BASE_TIME * 2)


def test_initial_checkpoint_starts_the_window() -> None:
    start = checkpoints.initial()
    assert (start.page_cursor, start.page_offset, start.batches, start.watermark) == (None, 0, 0, None)


def test_within_a_page_the_offset_moves() -> None:
    after = checkpoints.commit_batch(checkpoints.initial(), Position("c1", 4, 10, "c2"), 123)
    assert (after.page_cursor, after.page_offset, after.batches, after.watermark) == ("c1", 5, 1, 123)


def test_the_end_of_a_page_moves_to_the_next_one() -> None:
    after = checkpoints.commit_batch(checkpoints.initial(), Position("c1", 9, 10, "c2"), 5)
    assert (after.page_cursor, after.page_offset) == ("c2", 0)


def test_the_end_of_the_last_page_stays_on_it() -> None:
    after = checkpoints.after_item(checkpoints.initial(), Position("c9", 2, 3, None))
    assert (after.page_cursor, after.page_offset) == ("c9", 3)


def test_watermark_never_goes_back_and_restart_keeps_progress() -> None:
    cp = checkpoints.count_batch(checkpoints.count_batch(checkpoints.initial(), 50), 20)
    assert (cp.watermark, cp.batches) == (50, 2)
    restarted = checkpoints.restart_window(checkpoints.advance_within_page(cp, "c3", 7))
    assert (restarted.page_cursor, restarted.page_offset, restarted.batches, restarted.watermark) == (
        None,
        0,
        2,
        50,
    )


def test_checkpoints_round_trip_through_json() -> None:
    cp = Checkpoint(page_cursor="abc", page_offset=3, watermark=9, batches=2)
    assert checkpoints.from_json(cp.model_dump(mode="json")) == cp
    assert checkpoints.from_json(None) == checkpoints.initial()


async def _run_with_crashes(
    source: MemorySource, batch_size: int, crash_after: list[int], budget: int | None
) -> list[str]:
    """Commit batches, 'crash' after the given numbers of batches, resume from the checkpoint."""
    committed: list[str] = []
    cp = checkpoints.initial()
    plan = [*crash_after, None]
    for limit in plan:
        remaining = None if budget is None else budget - len(committed)
        generator = listed_batches(source, WINDOW, cp, batch_size=batch_size, budget=remaining)
        done = 0
        async for batch in generator:
            if limit is not None and done >= limit:
                break  # crash before this batch commits: it is lost, nothing else
            committed.extend(item.id for item, _ in batch.items)
            newest = max(item.updated_at for item, _ in batch.items)
            cp = checkpoints.commit_batch(cp, batch.last, newest)
            done += 1
        await generator.aclose()
    return committed


@settings(max_examples=120, deadline=None)
@given(
    total=st.integers(min_value=0, max_value=120),
    page_size=st.integers(min_value=1, max_value=40),
    batch_size=st.integers(min_value=1, max_value=60),
    crash_after=st.lists(st.integers(min_value=0, max_value=6), max_size=8),
    budget=st.one_of(st.none(), st.integers(min_value=1, max_value=150)),
)
def test_resume_visits_every_conversation_exactly_once(
    total: int, page_size: int, batch_size: int, crash_after: list[int], budget: int | None
) -> None:
    source = MemorySource(make_inbox(total), page_size=page_size)
    committed = asyncio.run(_run_with_crashes(source, batch_size, crash_after, budget))
    expected = sorted(c.id for c in source.conversations.values())
    if budget is not None:
        expected = expected[:budget]
    assert committed == expected


def test_an_expired_cursor_restarts_the_window_and_drops_the_partial_batch() -> None:
    source = MemorySource(make_inbox(30), page_size=7)
    source.expire_after_pages = 2

    async def collect() -> list[tuple[list[str], bool]]:
        return [
            ([item.id for item, _ in batch.items], batch.restarted)
            async for batch in listed_batches(
                source, WINDOW, checkpoints.initial(), batch_size=10, budget=None
            )
        ]

    batches = asyncio.run(collect())
    assert batches[0] == ([f"c{i:05d}" for i in range(10)], False)
    # The listing began again from the start; the items of the dropped partial batch come back.
    assert batches[1][1] is True and batches[1][0][0] == "c00000"
    assert [item for ids, _ in batches[1:] for item in ids] == [f"c{i:05d}" for i in range(30)]
