"""Runs through the service on SQLite and PostgreSQL, with a deterministic in-memory source."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

import services as service
from convosift.config import Settings
from convosift.domain import RunStatus
from convosift.errors import ConfigurationError, NotFoundError, RunConflictError
from convosift.pipeline.records import RunRecord
from convosift.store.conversations import count_rows
from pipeline.conftest import WINDOW
from pipeline.memory import BASE_TIME, CountingAnalyzer, MemorySource, make_conversation, make_inbox

TOTAL, BROKEN = 100, frozenset({"c00007", "c00042"})
KEPT = 78  # 100 - 20 too short (every fifth) - 2 broken


def _source(**kwargs: Any) -> MemorySource:
    return MemorySource(make_inbox(TOTAL), page_size=7, broken=BROKEN, **kwargs)


def _export(settings: Settings) -> list[dict[str, Any]]:
    out = io.StringIO()
    service.export_conversations(settings, "jsonl", out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _rows(settings: Settings) -> dict[str, int]:
    with service.open_store(settings).read() as conn:
        return count_rows(conn)


def _stop_after(batches: int, action: Callable[[RunRecord], None]) -> Callable[[RunRecord], None]:
    def progress(record: RunRecord) -> None:
        if record.checkpoint.batches == batches and record.status is RunStatus.RUNNING:
            action(record)

    return progress


def test_backfill_stores_everything_with_exact_counters(settings: Settings) -> None:
    analyzer = CountingAnalyzer()
    record = service.start_run(settings, window=WINDOW, batch_size=10, source=_source(), analyzer=analyzer)
    counts = record.counts
    assert record.status is RunStatus.COMPLETED and record.error is None
    assert (counts.listed, counts.unchanged, counts.fetched, counts.skipped) == (100, 0, 100, 2)
    assert (counts.filtered, counts.filtered_by_reason) == (20, {"too_short": 20})
    assert (counts.classified, counts.failed, counts.stored) == (KEPT, 0, 98)
    assert counts.themed + counts.unmatched == KEPT and counts.themed > 0
    assert (counts.classifier_calls, analyzer.calls, counts.prompt_tokens) == (KEPT, KEPT, 10 * KEPT)
    assert counts.cost_usd > 0
    assert record.checkpoint.batches == 10 and record.checkpoint.watermark is not None
    assert _rows(settings) == {
        "conversations": 98,
        "classifications": KEPT,
        "theme_matches": KEPT,
        "skipped": 2,
    }
    exported = _export(settings)
    assert [row["id"] for row in exported] == sorted(row["id"] for row in exported)
    assert {"id", "updated_at", "kept", "quality_reason", "category", "confidence", "theme"} <= set(
        exported[1]
    )
    assert not any("run" in key or "ingested" in key for key in exported[0])


def test_a_second_backfill_skips_unchanged_conversations_before_fetching(settings: Settings) -> None:
    source, analyzer = _source(), CountingAnalyzer()
    service.start_run(settings, window=WINDOW, batch_size=25, source=source, analyzer=analyzer)
    fetched_before = len(source.fetched)
    again = service.start_run(settings, window=WINDOW, batch_size=25, source=source, analyzer=analyzer)
    assert (again.counts.listed, again.counts.unchanged, again.counts.fetched) == (100, 98, 2)
    assert len(source.fetched) - fetched_before == 2  # only the two unreadable ones are tried again
    assert analyzer.calls == KEPT


def test_reanalyze_fetches_and_analyses_conversations_stored_unchanged(settings: Settings) -> None:
    """After an upgrade (or a new taxonomy) stored results are stale: a plain backfill keeps them,
    ``reanalyze`` replaces them, once each, with exact counters and no duplicate."""
    from convosift.store.schema import classifications

    source, analyzer = _source(), CountingAnalyzer()
    service.start_run(settings, window=WINDOW, batch_size=25, source=source, analyzer=analyzer)
    with service.open_store(settings).write() as conn:
        conn.execute(sa.update(classifications).values(category="stale_category"))
    plain = service.start_run(settings, window=WINDOW, batch_size=25, source=source, analyzer=analyzer)
    assert (plain.counts.unchanged, analyzer.calls) == (98, KEPT)
    again = service.start_run(
        settings, window=WINDOW, batch_size=25, source=source, analyzer=analyzer, reanalyze=True
    )
    assert again.status is RunStatus.COMPLETED and again.options.reanalyze
    counts = again.counts
    assert (counts.listed, counts.unchanged, counts.fetched, counts.skipped) == (100, 0, 100, 2)
    assert (counts.classified, counts.stored, analyzer.calls) == (KEPT, 98, 2 * KEPT)
    assert _rows(settings) == {
        "conversations": 98,
        "classifications": KEPT,
        "theme_matches": KEPT,
        "skipped": 2,
    }
    assert {row["category"] for row in _export(settings) if row["kept"]} == {"billing_question"}
    resumed_options = service.get_run(settings, again.id).options
    assert resumed_options.reanalyze  # kept with the run, so a resume reanalyses too
    with service.open_store(settings).read() as conn:
        stored = dict(conn.execute(sa.text("SELECT id, options FROM runs")).all())
    options = {run: json.loads(value) if isinstance(value, str) else value for run, value in stored.items()}
    # The flag is written only when set: the options of the other runs are stored as before.
    assert options[again.id]["reanalyze"] and "reanalyze" not in options[plain.id]


def test_a_theme_a_person_gave_survives_an_analysis_that_finds_none(settings: Settings) -> None:
    """Accepting a proposal themes its members by a person's decision: analysed again, a member
    the matcher leaves unmatched keeps it; a theme the matcher finds, or a sure junk label, wins."""
    from convosift.domain import Classification, ClassificationStatus, ThemeMatch
    from convosift.store.curation import CURATION_MATCHER, assign_unmatched
    from convosift.store.schema import theme_matches

    source, analyzer = _source(), CountingAnalyzer()
    first = service.start_run(settings, window=WINDOW, batch_size=25, source=source, analyzer=analyzer)
    store = service.open_store(settings)
    # Even ids are unmatched by the analyzer; odd ones get its theme. A person accepts a proposal
    # holding two of each kind.
    members = [("memory", "c00002"), ("memory", "c00004"), ("memory", "c00003"), ("memory", "c00006")]
    with store.write() as conn:
        conn.execute(
            sa.update(theme_matches)
            .where(theme_matches.c.conversation_id == "c00003")
            .values(signature=None, score=0.2)
        )
        assert assign_unmatched(conn, members, "accepted_theme", matcher=CURATION_MATCHER, evidence={}) == 4

    class JunkForSix(CountingAnalyzer):
        async def analyze(self, conversations: Any) -> Any:
            results = await super().analyze(conversations)
            junk = Classification(
                status=ClassificationStatus.CLASSIFIED, category="spam", confidence=0.95, classifier="x"
            )
            return [
                r.model_copy(update={"classification": junk, "theme": ThemeMatch(signature=None, score=0.0)})
                if c.id == "c00006"
                else r
                for c, r in zip(conversations, results, strict=True)
            ]

    again = service.start_run(
        settings, window=WINDOW, batch_size=25, source=source, analyzer=JunkForSix(), reanalyze=True
    )
    with store.read() as conn:
        themes = dict(
            conn.execute(
                sa.select(theme_matches.c.conversation_id, theme_matches.c.signature).where(
                    theme_matches.c.conversation_id.in_([cid for _, cid in members])
                )
            ).all()
        )
    assert themes == {
        "c00002": "accepted_theme",  # the analysis finds no theme: the person's stays
        "c00004": "accepted_theme",
        "c00003": "invoice_wrong_amount",  # the analysis finds a theme: it wins
        "c00006": None,  # sure junk
    }
    # The counters say what is stored: two more themed than the analyzer alone gives.
    assert again.counts.themed == first.counts.themed + 2
    assert again.counts.themed + again.counts.unmatched == KEPT


def _stopped_after_three_batches(
    settings: Settings, source: MemorySource, analyzer: CountingAnalyzer, **options: Any
) -> RunRecord:
    """A run of the window, stopped once its third batch is committed."""
    event = threading.Event()
    progress = _stop_after(3, lambda _record: event.set())
    return service.start_run(
        settings,
        window=WINDOW,
        batch_size=10,
        source=source,
        analyzer=analyzer,
        progress=progress,
        stop_event=event,
        **options,
    )


@pytest.mark.parametrize("unreadable", [False, True])
def test_a_stopped_reanalysis_resumed_after_cursors_expire_counts_each_conversation_once(
    settings: Settings, unreadable: bool
) -> None:
    """The resumed run lists the window again from its start; what it already redid is not redone.
    A stored conversation that can no longer be read is skipped once, and its old row stays."""
    source, analyzer = _source(), CountingAnalyzer()
    service.start_run(settings, window=WINDOW, batch_size=10, source=source, analyzer=analyzer)
    if unreadable:
        source.broken = source.broken | {"c00003"}
    stopped = _stopped_after_three_batches(settings, source, analyzer, reanalyze=True)
    assert stopped.status is RunStatus.STOPPED
    source.expire_cursors()
    resumed = service.resume_run(settings, stopped.id, source=source, analyzer=analyzer)
    counts = resumed.counts
    assert resumed.status is RunStatus.COMPLETED and resumed.options.reanalyze
    assert (counts.listed, counts.unchanged, counts.fetched, counts.skipped) == (100, 0, 100, 2 + unreadable)
    assert counts.classified == KEPT - unreadable and analyzer.calls == 2 * KEPT - unreadable
    assert _rows(settings)["conversations"] == 98


def test_a_second_run_resumed_after_cursors_expire_counts_unchanged_conversations_once(
    settings: Settings,
) -> None:
    """The resumed run lists its window again from the start: conversations it already found
    unchanged are recognised (their row remembers the run), not counted again (was 129 listed)."""
    source, analyzer = _source(), CountingAnalyzer()
    service.start_run(settings, window=WINDOW, batch_size=10, source=source, analyzer=analyzer)
    stopped = _stopped_after_three_batches(settings, source, analyzer)
    assert stopped.status is RunStatus.STOPPED and stopped.counts.unchanged > 0
    source.expire_cursors()
    resumed = service.resume_run(settings, stopped.id, source=source, analyzer=analyzer)
    counts = resumed.counts
    assert (counts.listed, counts.unchanged, counts.fetched, counts.skipped) == (100, 98, 2, 2)
    assert analyzer.calls == KEPT and _rows(settings)["conversations"] == 98


def test_a_conversation_found_unchanged_then_changed_is_counted_once_in_its_newest_version(
    settings: Settings,
) -> None:
    source, analyzer = _source(), CountingAnalyzer()
    service.start_run(settings, window=WINDOW, batch_size=10, source=source, analyzer=analyzer)
    stopped = _stopped_after_three_batches(settings, source, analyzer)
    source.update(make_conversation(3, updated_at=BASE_TIME + 3_000))  # seen unchanged, now changed
    source.expire_cursors()
    counts = service.resume_run(settings, stopped.id, source=source, analyzer=analyzer).counts
    assert (counts.listed, counts.unchanged, counts.fetched, counts.skipped) == (100, 97, 3, 2)
    assert analyzer.calls == KEPT + 1


def test_stop_request_lands_on_a_batch_boundary_and_resume_finishes(settings: Settings) -> None:
    analyzer = CountingAnalyzer()
    progress = _stop_after(2, lambda record: service.request_stop(settings, record.id))
    stopped = service.start_run(
        settings, window=WINDOW, batch_size=10, source=_source(), analyzer=analyzer, progress=progress
    )
    # The request is seen when the batch in flight commits: batch 3 is the boundary.
    assert stopped.status is RunStatus.STOPPED and stopped.checkpoint.batches == 3
    assert stopped.counts.listed == 30 and _rows(settings)["conversations"] + _rows(settings)["skipped"] == 30
    resumed = service.resume_run(settings, stopped.id, source=_source(), analyzer=analyzer)
    assert resumed.status is RunStatus.COMPLETED and resumed.id == stopped.id
    assert resumed.counts.listed == 100 and resumed.counts.classified == KEPT and analyzer.calls == KEPT
    assert _rows(settings)["conversations"] == 98


def test_stop_event_stops_before_the_next_batch(settings: Settings) -> None:
    event = threading.Event()
    record = service.start_run(
        settings,
        window=WINDOW,
        batch_size=10,
        source=_source(),
        progress=_stop_after(4, lambda _r: event.set()),
        stop_event=event,
    )
    assert (
        record.status is RunStatus.STOPPED and record.checkpoint.batches == 4 and record.counts.listed == 40
    )


def test_a_failed_run_keeps_its_error_and_resumes_to_the_same_result(
    settings: Settings, make_settings: Callable[..., Settings], tmp_path: Any
) -> None:
    analyzer = CountingAnalyzer()
    failed = service.start_run(
        settings, window=WINDOW, batch_size=10, source=_source(fail_on_detail_call=4), analyzer=analyzer
    )
    assert failed.status is RunStatus.FAILED and "503" in (failed.error or "")
    assert failed.checkpoint.batches in (
        2,
        3,
    )  # the fourth fetch belongs to batch 4, fetched ahead during batch 3
    resumed = service.resume_run(settings, source=_source(), analyzer=analyzer)
    assert resumed.id == failed.id and resumed.status is RunStatus.COMPLETED and resumed.error is None
    assert analyzer.calls == KEPT
    reference = make_settings(database_url=f"sqlite:///{tmp_path / 'reference.db'}")
    clean = service.start_run(
        reference, window=WINDOW, batch_size=10, source=_source(), analyzer=CountingAnalyzer()
    )
    assert resumed.counts == clean.counts
    assert _export(settings) == _export(reference)


def test_an_expired_cursor_on_resume_costs_search_calls_only(settings: Settings) -> None:
    analyzer, source = CountingAnalyzer(), _source()
    event = threading.Event()
    stopped = service.start_run(
        settings,
        window=WINDOW,
        batch_size=10,
        source=source,
        analyzer=analyzer,
        progress=_stop_after(5, lambda _r: event.set()),
        stop_event=event,
    )
    assert stopped.checkpoint.page_cursor is not None
    classified_before, fetched_before = analyzer.calls, len(source.fetched)
    source.expire_cursors()
    resumed = service.resume_run(settings, stopped.id, source=source, analyzer=analyzer)
    assert resumed.status is RunStatus.COMPLETED
    assert (
        resumed.counts.listed == 100 and resumed.counts.classified == KEPT and resumed.counts.unchanged == 0
    )
    assert analyzer.calls - classified_before == KEPT - classified_before  # nothing classified twice
    # The resume fetched only what was not committed (the stop dropped the batches fetched ahead).
    assert source.fetched[fetched_before:] == [f"c{i:05d}" for i in range(50, 100)]
    assert resumed.counts.fetched == 100


def test_dry_run_writes_no_conversations_and_stores_a_bounded_preview(settings: Settings) -> None:
    source = MemorySource(make_inbox(260), page_size=30)
    record = service.start_run(settings, window=WINDOW, batch_size=50, dry_run=True, source=source)
    assert record.status is RunStatus.COMPLETED and record.counts.listed == 260 and record.counts.stored == 0
    assert _rows(settings) == {"conversations": 0, "classifications": 0, "theme_matches": 0, "skipped": 0}
    preview = service.get_preview(settings, record.id)
    assert len(preview) == 200 and preview[0]["id"] == "c00000" and preview[1]["classification_status"]
    with service.open_store(settings).read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sync_bookmarks")).scalar_one() == 0


def test_a_dry_run_skips_what_is_already_stored(settings: Settings) -> None:
    service.start_run(settings, window=WINDOW, batch_size=10, source=_source())
    analyzer = CountingAnalyzer()
    dry = service.start_run(
        settings, window=WINDOW, batch_size=10, dry_run=True, source=_source(), analyzer=analyzer
    )
    assert (dry.counts.listed, dry.counts.unchanged, dry.counts.fetched, analyzer.calls) == (100, 98, 2, 0)


def test_max_conversations_is_exact(settings: Settings) -> None:
    record = service.start_run(settings, window=WINDOW, batch_size=10, max_conversations=23, source=_source())
    assert record.status is RunStatus.COMPLETED
    assert (record.counts.listed, record.checkpoint.batches) == (23, 3)
    assert _rows(settings)["conversations"] + _rows(settings)["skipped"] == 23


def test_a_second_run_on_the_same_source_conflicts(settings: Settings) -> None:
    first = service.create_run(settings, window=WINDOW)
    with pytest.raises(RunConflictError):
        service.create_run(settings, window=WINDOW)
    assert [r.id for r in service.active_runs(settings)] == [first.id]
    other_source = service.create_run(settings, window=WINDOW, source="files")
    assert other_source.source == "files"


def test_created_runs_execute_later_and_completed_runs_do_not_resume(settings: Settings) -> None:
    created = service.create_run(settings, window=WINDOW, batch_size=20, source="memory")
    assert created.status is RunStatus.RUNNING and not created.stale
    done = service.execute_run(settings, created.id, source=_source())
    assert done.status is RunStatus.COMPLETED and done.counts.listed == 100
    with pytest.raises(ConfigurationError, match="completed"):
        service.resume_run(settings, done.id, source=_source())
    with pytest.raises(NotFoundError):
        service.resume_run(settings, source=_source())
    assert [r.id for r in service.list_runs(settings)] == [created.id]


def _set_owner(settings: Settings, run_id: str, **values: Any) -> None:
    with service.open_store(settings).write() as conn:
        conn.execute(
            sa.text("UPDATE runs SET " + ", ".join(f"{k} = :{k}" for k in values) + " WHERE id = :id"),
            {**values, "id": run_id},
        )


def test_a_run_whose_owner_process_is_gone_is_resumable_at_once(settings: Settings) -> None:
    created = service.create_run(settings, window=WINDOW, source="memory")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    _set_owner(settings, created.id, owner_pid=int(gone.stdout))
    assert service.get_run(settings, created.id).stale
    resumed = service.resume_run(settings, source=_source())
    assert resumed.id == created.id and resumed.status is RunStatus.COMPLETED


def test_a_stale_run_on_another_host_is_taken_over(settings: Settings) -> None:
    created = service.create_run(settings, window=WINDOW, source="memory")
    _set_owner(settings, created.id, owner_host="elsewhere", owner_pid=1)
    assert not service.get_run(settings, created.id).stale
    with pytest.raises(RunConflictError, match="elsewhere"):
        service.resume_run(settings, created.id, source=_source())
    later = created.heartbeat_at.timestamp() + settings.stale_after_seconds + 1
    assert service.get_run(settings, created.id, clock=lambda: later).stale
    resumed = service.resume_run(settings, created.id, source=_source(), clock=lambda: later)
    assert resumed.status is RunStatus.COMPLETED and resumed.owner.host != "elsewhere"


def test_an_execution_that_lost_its_run_commits_nothing_more(settings: Settings) -> None:
    def steal(record: RunRecord) -> None:
        _set_owner(settings, record.id, lease="another-process", owner_host="elsewhere")

    record = service.start_run(
        settings, window=WINDOW, batch_size=10, source=_source(), progress=_stop_after(1, steal)
    )
    assert record.owner.host == "elsewhere" and record.checkpoint.batches == 1
    assert _rows(settings)["conversations"] + _rows(settings)["skipped"] == 10


def test_stopping_a_stale_run_marks_it_stopped(settings: Settings) -> None:
    created = service.create_run(settings, window=WINDOW, source="memory")
    later = created.heartbeat_at.timestamp() + settings.stale_after_seconds + 1
    assert service.request_stop(settings, created.id, clock=lambda: later).status is RunStatus.STOPPED


def test_invalid_options_are_configuration_errors(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="batch size"):
        service.create_run(settings, window=WINDOW, batch_size=5)
    with pytest.raises(ConfigurationError, match="max_conversations"):
        service.create_run(settings, window=WINDOW, max_conversations=0)
    with pytest.raises(NotFoundError):
        service.request_stop(settings)


class _SlowAnalyzer(CountingAnalyzer):
    """Takes its time, and reads the run's heartbeat from the database meanwhile."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.lag: list[float] = []

    async def analyze(self, conversations: Any) -> Any:
        await asyncio.sleep(0.5)
        (record,) = service.active_runs(self.settings)
        self.lag.append(record.heartbeat_at.timestamp() - record.started_at.timestamp())
        return await super().analyze(conversations)


def test_the_heartbeat_beats_while_a_batch_is_busy(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(heartbeat_seconds=0.1)
    analyzer = _SlowAnalyzer(settings)
    record = service.start_run(
        settings, window=WINDOW, max_conversations=10, batch_size=10, source=_source(), analyzer=analyzer
    )
    assert record.status is RunStatus.COMPLETED
    assert analyzer.lag and analyzer.lag[0] >= 0.2  # no batch had committed yet: only the heartbeat moved it


def test_progress_reports_the_window_total_and_an_eta(tmp_path: Any, mock_intercom: Any) -> None:
    import time as _time

    from pydantic import SecretStr

    import services as service
    from convosift.config import load_settings
    from convosift.pipeline import windows

    server = mock_intercom(conversations=200, seed=3)
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'eta.db'}",
        classifier="none",
        intercom_base_url=server.base_url,
        intercom_access_token=SecretStr(server.token),
    )
    seen: list[tuple[int, int, float | None]] = []
    record = service.start_run(
        settings,
        window=windows.last_days(400, _time.time()),
        batch_size=20,
        progress=lambda r: seen.append((r.counts.listed, r.counts.window_total, r.eta_seconds)),
    )
    assert record.counts.window_total == record.counts.listed == 200
    running = [entry for entry in seen if 0 < entry[0] < 200]
    assert running and all(total == 200 and eta is not None and eta >= 0 for _, total, eta in running)


class _FailingSome(CountingAnalyzer):
    """Fails the classification of every third conversation it sees (as an LLM outage would)."""

    async def analyze(self, conversations: Any) -> Any:
        from convosift.domain import Classification, ClassificationStatus

        results = await super().analyze(conversations)
        return [
            result.model_copy(
                update={
                    "classification": Classification(
                        status=ClassificationStatus.FAILED, classifier=self.name, error="llm down"
                    ),
                    "theme": result.theme.model_copy(update={"signature": None}),
                }
            )
            if int(conversation.id[1:]) % 3 == 0
            else result
            for conversation, result in zip(conversations, results, strict=True)
        ]


def test_a_later_run_retries_failed_classifications_and_skips_the_rest(settings: Settings) -> None:
    source = _source()
    first = service.start_run(settings, window=WINDOW, batch_size=10, source=source, analyzer=_FailingSome())
    assert first.status is RunStatus.COMPLETED and first.counts.failed > 0
    retried = CountingAnalyzer()
    second = service.start_run(settings, window=WINDOW, batch_size=10, source=source, analyzer=retried)
    assert second.counts.fetched == first.counts.failed + first.counts.skipped
    assert retried.calls == first.counts.failed
    assert second.counts.failed == 0 and second.counts.classified == first.counts.failed
    assert all(row["classification_status"] != "failed" for row in _export(settings))


class _WatchedSource(MemorySource):
    """Records the most details it has served that the run had not yet committed."""

    def __init__(self) -> None:
        super().__init__(make_inbox(TOTAL), page_size=7, broken=BROKEN)
        self.served = self.committed = self.most_uncommitted = 0

    async def details(self, ids: Any) -> Any:
        result = await super().details(ids)
        self.served += len(ids)
        self.most_uncommitted = max(self.most_uncommitted, self.served - self.committed)
        return result


class _PausingAnalyzer(CountingAnalyzer):
    """Gives the lister time to fetch batches ahead while this one is analysed."""

    async def analyze(self, conversations: Any) -> Any:
        await asyncio.sleep(0.05)
        return await super().analyze(conversations)


@pytest.mark.parametrize("fetch_ahead", [0, 1, 3])
def test_batches_fetched_ahead_never_exceed_the_setting(
    make_settings: Callable[..., Settings], fetch_ahead: int
) -> None:
    settings = make_settings(fetch_ahead=fetch_ahead)
    source = _WatchedSource()

    def progress(record: RunRecord) -> None:
        source.committed = record.counts.fetched

    record = service.start_run(
        settings, window=WINDOW, batch_size=10, source=source, analyzer=_PausingAnalyzer(), progress=progress
    )
    assert record.status is RunStatus.COMPLETED
    assert record.counts.fetched == TOTAL and record.counts.stored == 98
    # The batch being analysed, plus those fetched ahead of it: never more.
    assert source.most_uncommitted <= 10 * (fetch_ahead + 1)
    if fetch_ahead:
        assert source.most_uncommitted > 10  # the next batch was fetched before this one committed


class _OutOfOrderAnalyzer(CountingAnalyzer):
    """Answers over the network (several batches at once); the first batches are the slowest."""

    max_in_flight = 40

    def __init__(self) -> None:
        super().__init__()
        self.finished: list[str] = []

    async def analyze(self, conversations: Any) -> Any:
        first = conversations[0].id
        # Batches of the first page wait longest, so later ones finish analysis before them.
        await asyncio.sleep(0.3 if int(first[1:]) < 20 else 0.01)
        result = await super().analyze(conversations)
        self.finished.append(first)
        return result


def test_batches_commit_in_listing_order_when_a_later_one_finishes_analysis_first(
    make_settings: Callable[..., Settings], tmp_path: Any
) -> None:
    settings = make_settings(fetch_ahead=2)
    analyzer, committed = _OutOfOrderAnalyzer(), []

    def progress(record: RunRecord) -> None:
        committed.append((record.checkpoint.batches, record.counts.listed))

    record = service.start_run(
        settings, window=WINDOW, batch_size=10, source=_source(), analyzer=analyzer, progress=progress
    )
    assert record.status is RunStatus.COMPLETED
    # Analysis finished out of order...
    assert analyzer.finished != sorted(analyzer.finished, key=lambda i: int(i[1:]))
    # ...but every commit extended the committed prefix by one batch of ten (the last progress
    # call repeats the finished run).
    batches = list(dict.fromkeys((b, n) for b, n in committed if b > 0))
    assert batches == [(b, 10 * b) for b in range(1, 11)]
    reference = make_settings(database_url=f"sqlite:///{tmp_path / 'reference.db'}")
    clean = service.start_run(
        reference, window=WINDOW, batch_size=10, source=_source(), analyzer=CountingAnalyzer()
    )
    assert record.counts == clean.counts
    assert _export(settings) == _export(reference)


class _WatchedAnalyzer(CountingAnalyzer):
    """Records, at the start of each batch's analysis, how many analysed conversations are uncommitted."""

    def __init__(self) -> None:
        super().__init__()
        self.committed = 0
        self.uncommitted_at_start: list[int] = []

    async def analyze(self, conversations: Any) -> Any:
        self.uncommitted_at_start.append(self.calls - self.committed)
        await asyncio.sleep(0.01)
        return await super().analyze(conversations)


def test_local_analysis_waits_for_the_previous_commit_so_a_crash_redoes_at_most_one_batch(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(fetch_ahead=3)
    analyzer = _WatchedAnalyzer()

    def progress(record: RunRecord) -> None:
        analyzer.committed = record.counts.classified

    record = service.start_run(
        settings, window=WINDOW, batch_size=10, source=_source(), analyzer=analyzer, progress=progress
    )
    assert record.status is RunStatus.COMPLETED and record.counts.classified == KEPT
    # Batches are fetched ahead, but a batch is analysed only once every earlier one committed.
    assert len(analyzer.uncommitted_at_start) == 10
    assert set(analyzer.uncommitted_at_start) == {0}


def test_the_local_models_load_before_the_run_starts_so_its_duration_is_pipeline_work(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    import convosift.pipeline.service as service_module
    from convosift.analysis.factory import load_models

    loaded_at: list[float] = []

    def load_and_note(settings: Settings, store: Any = None) -> None:
        load_models(settings, store)
        loaded_at.append(time.time())

    monkeypatch.setattr(service_module, "load_models", load_and_note)
    claimed_at: list[float] = []
    claim = service_module.lifecycle.claim

    def claim_and_note(*args: Any, **kwargs: Any) -> Any:
        claimed_at.append(time.time())
        return claim(*args, **kwargs)

    monkeypatch.setattr(service_module.lifecycle, "claim", claim_and_note)
    settings = make_settings(classifier="local")
    progress = _stop_after(2, lambda record: service.request_stop(settings, record.id))
    stopped = service.start_run(settings, window=WINDOW, batch_size=10, source=_source(), progress=progress)
    assert stopped.status is RunStatus.STOPPED
    assert len(loaded_at) == 1 and stopped.started_at.timestamp() >= loaded_at[0]
    # A resume loads them before it claims the run.
    resumed = service.resume_run(settings, stopped.id, source=_source())
    assert resumed.status is RunStatus.COMPLETED and resumed.counts.classified == KEPT
    assert len(loaded_at) == 2 and claimed_at[-1] >= loaded_at[1]
    # A run handed its own analyzer loads nothing more.
    service.start_run(make_settings(), window=WINDOW, source=_source(), analyzer=CountingAnalyzer())
    assert len(loaded_at) == 2


def test_a_lost_connection_while_reading_the_ended_run_back_is_tried_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run is recorded as completed; the read that follows loses its connection. The command
    reports the completed run rather than an error, unless every try fails; an error that is not
    a lost connection is raised at once."""
    from convosift.errors import StoreError
    from convosift.pipeline import service as service_module

    waits: list[float] = []
    monkeypatch.setattr(service_module, "_pause", waits.append)
    real_get_run = service_module.Service.get_run
    failures = {"left": 1, "lost": True}

    def flaky_get_run(self: Any, run_id: str, **kwargs: Any) -> RunRecord:
        if failures["left"]:
            failures["left"] -= 1
            error = StoreError("the database connection was lost")
            error.lost_connection = bool(failures["lost"])
            raise error
        return real_get_run(self, run_id, **kwargs)

    def run() -> RunRecord:
        return service.start_run(
            settings, window=WINDOW, batch_size=25, source=_source(), analyzer=CountingAnalyzer()
        )

    monkeypatch.setattr(service_module.Service, "get_run", flaky_get_run)
    record = run()
    assert record.status is RunStatus.COMPLETED and record.counts.stored == 98
    assert (failures["left"], waits) == (0, [1.0])

    failures["left"] = service_module.READ_BACK_ATTEMPTS
    with pytest.raises(StoreError):
        run()
    assert failures["left"] == 0 and waits == [1.0] * service_module.READ_BACK_ATTEMPTS

    failures.update(left=1, lost=False)
    with pytest.raises(StoreError):
        run()
    assert len(waits) == service_module.READ_BACK_ATTEMPTS
    # Those runs did complete: only reading them back failed.
    assert [r.status for r in service.list_runs(settings)][:3] == [RunStatus.COMPLETED] * 3


def test_a_queued_backfill_is_not_done_by_a_dry_run_or_a_reanalysis_of_its_window(settings: Settings) -> None:
    from convosift.workers.queue import _left_over

    for options in ({"dry_run": True}, {"reanalyze": True}):
        service.start_run(settings, window=WINDOW, batch_size=25, source=_source(), **options)
    own = service._service(settings)
    assert _left_over(own, "memory", WINDOW, enqueued_at=0.0) is None
    plain = service.start_run(settings, window=WINDOW, batch_size=25, source=_source())
    found = _left_over(own, "memory", WINDOW, enqueued_at=0.0)
    assert found is not None and getattr(found, "id", found) == plain.id
