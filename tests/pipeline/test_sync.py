"""Sync after a completed backfill: what changed since the bookmark, and nothing else."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

import services as service
from convosift.config import Settings
from convosift.domain import RunKind, RunStatus, Window
from convosift.errors import ConfigurationError
from convosift.pipeline import windows
from convosift.store.bookmarks import get_bookmark
from pipeline.conftest import WINDOW
from pipeline.memory import BASE_TIME, CountingAnalyzer, MemorySource, make_conversation, make_inbox

T0 = BASE_TIME + 100_000


def _bookmark(settings: Settings, source: str) -> int | None:
    with service.open_store(settings).read() as conn:
        return get_bookmark(conn, source)


def test_sync_needs_a_completed_backfill(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="backfill"):
        service.run_sync(settings, source=MemorySource([]))


def test_sync_processes_changed_conversations_and_skips_the_rest(settings: Settings) -> None:
    recent = make_conversation(500, updated_at=T0 - 100)  # inside the lookback: listed again, unchanged
    source = MemorySource([*make_inbox(40), recent])
    analyzer = CountingAnalyzer()
    backfill = service.start_run(
        settings, window=WINDOW, batch_size=10, source=source, analyzer=analyzer, clock=lambda: T0
    )
    assert backfill.status is RunStatus.COMPLETED
    assert _bookmark(settings, "memory") == T0 - settings.sync_lookback_seconds
    changed = ["c00003", "c00011", "c00012"]
    for conversation_id in changed:
        source.update(source.conversations[conversation_id].model_copy(update={"updated_at": T0 + 100}))
    calls_before, fetched_before = analyzer.calls, len(source.fetched)

    sync = service.run_sync(settings, source=source, analyzer=analyzer, clock=lambda: T0 + 1000)
    assert sync.kind is RunKind.SYNC and sync.status is RunStatus.COMPLETED
    assert sync.window == Window(since=T0 - 3600, until=T0 + 1001)
    assert (sync.counts.listed, sync.counts.unchanged, sync.counts.fetched) == (4, 1, 3)
    assert sorted(source.fetched[fetched_before:]) == changed
    assert analyzer.calls - calls_before == sync.counts.classified
    assert _bookmark(settings, "memory") == T0 + 1000 - 3600

    quiet = service.run_sync(settings, source=source, analyzer=analyzer, clock=lambda: T0 + 2000)
    assert (quiet.counts.listed, quiet.counts.unchanged, quiet.counts.fetched) == (4, 4, 0)


def test_a_dry_or_truncated_backfill_sets_no_bookmark(settings: Settings) -> None:
    source = MemorySource(make_inbox(30))
    service.start_run(settings, window=WINDOW, batch_size=10, dry_run=True, source=source)
    service.start_run(settings, window=WINDOW, batch_size=10, max_conversations=12, source=source)
    assert _bookmark(settings, "memory") is None


def test_sync_against_the_local_server_picks_up_server_side_changes(
    make_settings: Callable[..., Settings], mock_intercom: Callable[..., Any]
) -> None:
    server = mock_intercom(conversations=150, seed=11)
    settings = make_settings(
        source="intercom", intercom_base_url=server.base_url, intercom_access_token=SecretStr(server.token)
    )
    analyzer = CountingAnalyzer()
    backfill = service.start_run(settings, window=windows.last_days(400, time.time()), analyzer=analyzer)
    assert backfill.status is RunStatus.COMPLETED and backfill.counts.listed == 150
    retrieved_before = server.stats["retrieve"]
    changed = server.state.mutate(count=5)

    sync = service.run_sync(settings, analyzer=CountingAnalyzer())
    assert sync.status is RunStatus.COMPLETED, sync.error
    assert sync.counts.fetched == 5 and sync.counts.unchanged == sync.counts.listed - 5
    assert server.stats["retrieve"] - retrieved_before == 5
    assert len(changed) == 5


def test_sync_joins_new_conversations_to_the_open_proposal_they_are_close_to(settings: Settings) -> None:
    from convosift.themes.discovery import discover
    from convosift.themes.proposals import list_proposals

    source = MemorySource(make_inbox(40))
    analyzer = CountingAnalyzer()
    backfill = service.start_run(
        settings, window=WINDOW, batch_size=10, source=source, analyzer=analyzer, clock=lambda: T0
    )
    assert backfill.status is RunStatus.COMPLETED
    store = service.open_store(settings)
    (proposal,) = discover(store, min_cluster_size=4)
    for index in (42, 44, 46):  # even ids: the analyzer leaves them unthemed
        source.update(make_conversation(index, updated_at=T0 + 100))

    sync = service.run_sync(settings, source=source, analyzer=analyzer, clock=lambda: T0 + 1000)
    assert sync.status is RunStatus.COMPLETED and sync.counts.fetched == 3
    (joined,) = list_proposals(store)
    assert joined["id"] == proposal["id"] and joined["size"] == proposal["size"] + 3


def test_a_files_sync_reads_what_changed_between_the_last_export_and_the_backfill(
    settings: Settings, tmp_path: Path
) -> None:
    """An export is a snapshot taken before the backfill ran, at a time it does not state: the next
    export holds conversations updated in between, and the sync after it must read them."""
    path = tmp_path / "export.jsonl"
    first = [_record(f"a{i}", T0 - 86_400 + i) for i in range(5)]  # exported a day before the backfill
    path.write_text("".join(json.dumps(r) + "\n" for r in first), encoding="utf-8")
    files = settings.model_copy(update={"source": "files", "source_path": path})
    backfill = service.start_run(
        files, window=WINDOW, batch_size=10, analyzer=CountingAnalyzer(), clock=lambda: T0
    )
    assert backfill.status is RunStatus.COMPLETED and backfill.counts.stored == 5
    # The next export: conversations updated after the first one was taken, before the backfill.
    between = [_record(f"b{i}", T0 - 7_200 + i) for i in range(3)]
    path.write_text("".join(json.dumps(r) + "\n" for r in first + between), encoding="utf-8")

    sync = service.run_sync(files, analyzer=CountingAnalyzer(), clock=lambda: T0 + 600)
    assert sync.status is RunStatus.COMPLETED
    assert (sync.counts.listed, sync.counts.unchanged, sync.counts.stored) == (8, 5, 3)
    assert _bookmark(files, "files") == T0 - 7_200 + 2 + 1 - files.sync_lookback_seconds


def _record(conversation_id: str, updated_at: int) -> dict[str, Any]:
    return {
        "id": conversation_id,
        "created_at": updated_at - 60,
        "updated_at": updated_at,
        "opener": "The export button does nothing when I click it",
    }


def test_an_older_copy_of_a_conversation_in_an_export_is_not_analysed_again(
    settings: Settings, tmp_path: Path
) -> None:
    """An export that holds one conversation twice (an older version first, the newer in a later
    page) keeps the newer; a later backfill of the same file finds both copies unchanged instead of
    fetching and analysing the conversation again each time."""
    path = tmp_path / "export.jsonl"
    records = [
        _record("d900", T0 - 5_000),
        *(_record(f"c{i}", T0 - 4_000 + i) for i in range(12)),
        {**_record("d900", T0 - 1_000), "opener": "The export button works now, but the file is empty"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    files = settings.model_copy(update={"source": "files", "source_path": path})
    first = service.start_run(
        files, window=WINDOW, batch_size=10, analyzer=CountingAnalyzer(), clock=lambda: T0
    )
    assert first.status is RunStatus.COMPLETED and first.counts.stored == 13
    analyzer = CountingAnalyzer()
    again = service.start_run(files, window=WINDOW, batch_size=10, analyzer=analyzer, clock=lambda: T0 + 60)
    assert (again.counts.listed, again.counts.unchanged, again.counts.fetched) == (13, 13, 0)
    assert analyzer.calls == 0
    with service.open_store(files).read() as conn:
        stored = conn.execute(
            sa.text("SELECT updated_at, customer_text FROM conversations WHERE id = 'd900'")
        ).one()
    assert tuple(stored) == (T0 - 1_000, "The export button works now, but the file is empty")
