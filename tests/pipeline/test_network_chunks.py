"""An analyzer that waits on the network starts on a batch's first details, not on its last."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import services as service
from convosift.config import Settings
from convosift.domain import Conversation, RunStatus, Skipped
from convosift.pipeline.loop import NETWORK_CHUNK
from convosift.pipeline.records import RunRecord
from pipeline.conftest import WINDOW
from pipeline.memory import CountingAnalyzer, MemorySource, make_inbox

BATCH = 3 * NETWORK_CHUNK


def _batch_of(conversation_id: str) -> int:
    return int(conversation_id[1:]) // BATCH


class _HeldSource(MemorySource):
    """Holds back each batch's later chunks until the analyzer has started on that batch."""

    def __init__(self) -> None:
        super().__init__(make_inbox(2 * BATCH, short_every=0), page_size=BATCH)
        self.analysing: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.calls: list[list[str]] = []

    async def details(self, ids: Sequence[str]) -> list[Conversation | Skipped]:
        self.calls.append(list(ids))
        if int(ids[0][1:]) % BATCH:
            # Without chunks the whole batch would wait here for an analysis that never starts.
            await asyncio.wait_for(self.analysing[_batch_of(ids[0])].wait(), timeout=10)
        return await super().details(ids)


class _NetworkAnalyzer(CountingAnalyzer):
    max_in_flight = 8

    def __init__(self, source: _HeldSource) -> None:
        super().__init__()
        self.source = source
        self.chunks: list[list[str]] = []

    async def analyze(self, conversations: Any) -> Any:
        self.chunks.append([c.id for c in conversations])
        self.source.analysing[_batch_of(conversations[0].id)].set()
        await asyncio.sleep(0.01)
        return await super().analyze(conversations)


def test_network_analysis_starts_with_a_batchs_first_chunk_and_commits_it_whole(
    make_settings: Callable[..., Settings],
) -> None:
    source = _HeldSource()
    analyzer = _NetworkAnalyzer(source)
    committed: list[int] = []

    def progress(record: RunRecord) -> None:
        committed.append(record.counts.stored)

    record = service.start_run(
        make_settings(), window=WINDOW, batch_size=BATCH, source=source, analyzer=analyzer, progress=progress
    )
    assert record.status is RunStatus.COMPLETED, record.error
    assert record.counts.stored == record.counts.classified == 2 * BATCH
    # Each batch was fetched and analysed in chunks...
    assert all(len(ids) == NETWORK_CHUNK for ids in source.calls)
    assert sorted(len(ids) for ids in analyzer.chunks) == [NETWORK_CHUNK] * 6
    # ...and still committed whole, one batch per transaction.
    assert [n for n in dict.fromkeys(committed) if n] == [BATCH, 2 * BATCH]
