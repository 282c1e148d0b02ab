"""The garbage collector is kept out of a run's way, and given back as it was after the last run."""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence

import pytest

import services as service
from convosift.config import Settings
from convosift.domain import Analysis, Conversation, RunStatus
from convosift.pipeline.collector import YOUNG_THRESHOLD, quiet_collector
from pipeline.conftest import WINDOW
from pipeline.memory import CountingAnalyzer, MemorySource, make_inbox


class _Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def _nodes() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is _Node)


def test_a_run_freezes_and_raises_the_threshold_then_restores_both() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with quiet_collector():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_overlapping_runs_restore_only_when_the_last_ends() -> None:
    before = gc.get_threshold()
    first_in, release = threading.Event(), threading.Event()

    def first() -> None:
        with quiet_collector():
            first_in.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    with quiet_collector():
        pass
    # The first run is still executing: its settings stay.
    assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
    assert gc.get_freeze_count() > 0
    release.set()
    thread.join(10)
    assert gc.get_threshold() == before


def test_a_failing_run_restores_too() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), quiet_collector():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before


def test_runs_one_after_another_leave_no_garbage_behind() -> None:
    """Garbage in cycles, made before a run (and frozen with the live objects) or during it, is
    freed when the run ends: a process running sync after sync does not grow."""
    gc.collect()
    for _ in range(5):
        garbage = [_Node() for _ in range(200)]
        del garbage
        with quiet_collector():
            during = [_Node() for _ in range(200)]
            del during
        assert _nodes() == 0


def test_the_process_own_collector_choices_are_kept() -> None:
    before = gc.get_threshold()
    try:
        # Objects the application froze itself stay frozen.
        gc.freeze()
        frozen = gc.get_freeze_count()
        with quiet_collector():
            pass
        assert gc.get_freeze_count() == frozen
        gc.unfreeze()
        # A collector turned off stays off.
        gc.disable()
        with quiet_collector():
            assert gc.get_threshold() == before
        assert not gc.isenabled()
        gc.enable()
        # Thresholds something else sets during a run are not reverted.
        with quiet_collector():
            gc.set_threshold(5000, 20, 20)
        assert gc.get_threshold() == (5000, 20, 20)
    finally:
        gc.unfreeze()
        gc.enable()
        gc.set_threshold(*before)


def test_a_backfill_runs_with_the_collector_quiet_and_gives_it_back(settings: Settings) -> None:
    seen: list[tuple[int, int]] = []

    class Watching(CountingAnalyzer):
        async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
            seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
            return await super().analyze(conversations)

    before = gc.get_threshold()
    source = MemorySource(make_inbox(40), page_size=7)
    record = service.start_run(settings, window=WINDOW, batch_size=10, source=source, analyzer=Watching())
    assert record.status is RunStatus.COMPLETED
    assert seen and all(frozen > 0 and threshold >= YOUNG_THRESHOLD for frozen, threshold in seen)
    assert gc.get_threshold() == before
