"""The garbage collector is kept out of a run's way, and given back as it was after the last run."""

from __future__ import annotations

import gc
import threading
from collections.abc import Sequence

import services as service
from convosift.config import Settings
from convosift.domain import Analysis, Conversation, RunStatus
from convosift.pipeline.collector import YOUNG_THRESHOLD, quiet_collector
from pipeline.conftest import WINDOW
from pipeline.memory import CountingAnalyzer, MemorySource, make_inbox


def test_a_run_freezes_and_raises_the_threshold_then_restores_both() -> None:
    before = gc.get_threshold()
    with quiet_collector():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_overlapping_runs_restore_only_when_the_last_ends() -> None:
    before = gc.get_threshold()
    first_in, second_done, release = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with quiet_collector():
            first_in.set()
            release.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(10)
    with quiet_collector():
        pass
    second_done.set()
    # The first run is still executing: its settings stay.
    assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
    assert gc.get_freeze_count() > 0
    release.set()
    thread.join(10)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_failing_run_restores_too() -> None:
    before = gc.get_threshold()
    try:
        with quiet_collector():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cyclic_garbage_of_a_run_is_collected_after_it() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    with quiet_collector():
        for _ in range(1000):
            Node()
    gc.collect()
    assert not [o for o in gc.get_objects() if type(o) is Node]


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
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
