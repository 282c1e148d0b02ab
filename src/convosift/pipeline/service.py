"""The pipeline's library API: every CLI command and API route calls a :class:`Service` method.

A service is built from the settings and an open :class:`~convosift.store.Store`; the caller owns
the store (the API for the life of the app, a CLI command for one command: :meth:`Service.open`).
Run state lives in the database, so any process can start, watch, stop or resume a run.
``start_run`` and ``execute_run`` run in the calling thread (they use their own event loop);
the API calls ``create_run`` then ``execute_run`` in a background thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

from convosift.analysis.base import Analyzer
from convosift.analysis.factory import build_analyzer, load_models
from convosift.config import MAX_BATCH_SIZE, MIN_BATCH_SIZE, Settings
from convosift.domain import RunKind, RunStatus, Window
from convosift.errors import ConfigurationError, ConvosiftError, NotFoundError, RunConflictError, StoreError
from convosift.pipeline import checkpoint as checkpoints
from convosift.pipeline import lifecycle
from convosift.pipeline.collector import quiet_collector
from convosift.pipeline.exports import SKIPPED_COLUMNS, export_format, skip_reason, write_rows
from convosift.pipeline.lifecycle import Claim, Clock
from convosift.pipeline.loop import BatchLoop, LoopConfig, Outcome, Stages
from convosift.pipeline.records import RunOptions, RunRecord, record_from_row
from convosift.pipeline.stages import build_assess, build_source, check_stages, source_name
from convosift.sources.base import Source
from convosift.store import Store
from convosift.store import runs as run_rows
from convosift.store.bookmarks import get_bookmark
from convosift.store.conversations import EXPORT_COLUMNS, export_rows, skipped_records
from convosift.store.runs import RunRow

Progress = Callable[[RunRecord], None]

READ_BACK_ATTEMPTS = 3
"""Tries at reading a run's record once it has ended (one second apart): a connection lost just
then must not turn a completed run into a reported error."""
_pause = time.sleep


class Service:
    """Runs and stored results of one database, as the CLI and the API use them."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self._store = store
        self._owns_store = store is None
        self._lock = threading.Lock()

    @property
    def store(self) -> Store:
        """The database, opened (and migrated) on first use: settings that fail validation stop a
        command before anything is written, not even an empty database file."""
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings.database_url)
            return self._store

    def close(self) -> None:
        """Dispose the store this service opened (one passed in belongs to the caller)."""
        with self._lock:
            if self._owns_store and self._store is not None:
                self._store.dispose()
                self._store = None

    @classmethod
    @contextlib.contextmanager
    def open(cls, settings: Settings) -> Iterator[Service]:
        """A service for ``settings`` whose store is closed on exit."""
        service = cls(settings)
        try:
            yield service
        finally:
            service.close()

    # --- starting and executing runs --------------------------------------------------------

    def create_run(
        self,
        *,
        kind: RunKind | str = RunKind.BACKFILL,
        window: Window,
        batch_size: int | None = None,
        max_conversations: int | None = None,
        dry_run: bool = False,
        reanalyze: bool = False,
        source: str | None = None,
        clock: Clock | None = None,
    ) -> RunRecord:
        """Register a run (status running, owned by this process) without executing it."""
        options = _options(self.settings, batch_size, max_conversations, dry_run, reanalyze)
        check_stages(self.settings)
        claim = lifecycle.create(
            self.store,
            kind=RunKind(kind),
            source=source or source_name(self.settings),
            window=window,
            options=options,
            clock=clock or time.time,
        )
        return self._record(claim.row, clock)

    def start_run(
        self,
        *,
        kind: RunKind | str = RunKind.BACKFILL,
        window: Window,
        batch_size: int | None = None,
        max_conversations: int | None = None,
        dry_run: bool = False,
        reanalyze: bool = False,
        source: Source | None = None,
        analyzer: Analyzer | None = None,
        progress: Progress | None = None,
        stop_event: threading.Event | None = None,
        clock: Clock | None = None,
    ) -> RunRecord:
        """Create a run and execute it to its end (or a stop) in the calling thread (the local
        models are loaded first)."""
        self._load_models(analyzer)
        record = self.create_run(
            kind=kind,
            window=window,
            batch_size=batch_size,
            max_conversations=max_conversations,
            dry_run=dry_run,
            reanalyze=reanalyze,
            source=source.name if source is not None else None,
            clock=clock,
        )
        return self.execute_run(
            record.id, source=source, analyzer=analyzer, progress=progress, stop_event=stop_event, clock=clock
        )

    def execute_run(
        self,
        run_id: str,
        *,
        source: Source | None = None,
        analyzer: Analyzer | None = None,
        progress: Progress | None = None,
        stop_event: threading.Event | None = None,
        clock: Clock | None = None,
    ) -> RunRecord:
        """Execute a run from its checkpoint: one this process created, a stopped or failed one, or a stale one.

        Returns the final record: completed, stopped, or failed with its error (a failed run can be
        resumed). Errors that are not convosift's are recorded and re-raised.
        """
        store, tick = self.store, clock or time.time
        # The collector is given back (and collects once) when the run has ended and been read back.
        with quiet_collector():
            claim = lifecycle.claim(store, run_id, clock=tick, stale_after=self.settings.stale_after_seconds)
            with lifecycle.executing(run_id):
                if progress is not None:
                    progress(self._record(claim.row, clock))
                try:
                    outcome = asyncio.run(
                        self._drive(
                            claim=claim,
                            source=source,
                            analyzer=analyzer,
                            progress=progress,
                            stop_event=stop_event,
                            clock=tick,
                        )
                    )
                except ConvosiftError as error:
                    lifecycle.fail(store, claim, error, clock=tick)
                except (KeyboardInterrupt, asyncio.CancelledError):
                    # Aborted at once (a second Ctrl-C): the last batch either committed or rolled back.
                    with contextlib.suppress(ConvosiftError):
                        lifecycle.mark_stopped(store, claim, clock=tick, phase="aborted")
                    raise
                except Exception as error:
                    lifecycle.fail(store, claim, error, clock=tick)
                    raise
                else:
                    self._finish(claim, outcome, tick)
            record = self._read_back(run_id, clock)
            if progress is not None:
                progress(record)
            return record

    def _read_back(self, run_id: str, clock: Clock | None) -> RunRecord:
        """The record of a run that has just ended. A read is safe to repeat, so a database
        connection lost at that moment (a restarted server, a killed backend) costs another try;
        any other store error is raised at once."""
        attempt = 1
        while True:
            try:
                return self.get_run(run_id, clock=clock)
            except StoreError as error:
                if not error.lost_connection or attempt >= READ_BACK_ATTEMPTS:
                    raise
            attempt += 1
            _pause(1.0)

    async def _drive(
        self,
        *,
        claim: Claim,
        source: Source | None,
        analyzer: Analyzer | None,
        progress: Progress | None,
        stop_event: threading.Event | None,
        clock: Clock,
    ) -> Outcome:
        settings = self.settings
        own_source, own_analyzer = source is None, analyzer is None
        active_source = source if source is not None else build_source(settings)
        try:
            active_analyzer = analyzer if analyzer is not None else build_analyzer(settings, self.store)
            try:
                stages = Stages(source=active_source, assess=build_assess(settings), analyzer=active_analyzer)
                config = LoopConfig(
                    heartbeat_seconds=settings.heartbeat_seconds,
                    fetch_ahead=settings.fetch_ahead,
                    input_cost_per_1k=settings.llm_input_cost_per_1k,
                    output_cost_per_1k=settings.llm_output_cost_per_1k,
                )

                def on_commit(row: RunRow) -> None:
                    if progress is not None:
                        progress(record_from_row(row, now=clock(), stale_after=settings.stale_after_seconds))

                loop = BatchLoop(
                    self.store, claim, stages, config, clock=clock, stop_event=stop_event, on_commit=on_commit
                )
                return await loop.run()
            finally:
                if own_analyzer:
                    await active_analyzer.aclose()
        finally:
            if own_source:
                await active_source.aclose()

    def _finish(self, claim: Claim, outcome: Outcome, clock: Clock) -> None:
        if outcome is Outcome.STOPPED:
            lifecycle.mark_stopped(self.store, claim, clock=clock)
            return
        with self.store.read() as conn:
            row = run_rows.get_run(conn, claim.row["id"])
        lifecycle.complete(self.store, claim, clock=clock, bookmark=_next_bookmark(self.settings, row))

    def vocabulary_warning(self) -> str | None:
        """Why a run would match no theme, or not all of them, although this database holds themed
        conversations: the vocabulary setting was forgotten (a new shell, a cron job), or names
        another file than the one the earlier accepts wrote."""
        if self.settings.classifier == "none":
            return None
        if self.settings.vocabulary_path is not None:
            from convosift.themes.curation import themes_outside
            from convosift.themes.vocabulary import load_vocabulary_to_curate

            path = self.settings.vocabulary_path
            return themes_outside(self.store, load_vocabulary_to_curate(path), path)
        from convosift.store.themes import themed_count

        with self.store.read() as conn:
            themed = themed_count(conn)
        if not themed:
            return None
        return (
            f"{themed} stored conversations carry a theme, but CONVOSIFT_VOCABULARY is not set: "
            "this run matched none. Set it to the vocabulary file your accepts wrote, then run "
            "`convosift themes rematch` to match what this run stored"
        )

    # --- resume, stop, sync -----------------------------------------------------------------

    def resume_run(
        self,
        run_id: str | None = None,
        *,
        window: Window | None = None,
        source: Source | None = None,
        analyzer: Analyzer | None = None,
        progress: Progress | None = None,
        stop_event: threading.Event | None = None,
        clock: Clock | None = None,
    ) -> RunRecord:
        """Resume a run by id, or the latest resumable run of the source (and window, if given).

        Without an id, a run of the source that is still active (and not stale) is a conflict:
        resuming an older run beside it would be refused by the database anyway, later and less clearly.
        """
        if run_id is None:
            name = source.name if source is not None else source_name(self.settings)
            self.refuse_while_active(name, clock=clock)
            run_id = self._latest_resumable(name, window, clock)
        self._load_models(analyzer)
        return self.execute_run(
            run_id, source=source, analyzer=analyzer, progress=progress, stop_event=stop_event, clock=clock
        )

    def _load_models(self, analyzer: Analyzer | None) -> None:
        """Load the local models before a run is registered or claimed (see
        :func:`~convosift.analysis.factory.load_models`): the run's duration and ETA are then the
        pipeline's, and a long first training cannot outlast the run's heartbeat. A broken
        taxonomy or vocabulary is named by its setting first."""
        if analyzer is None:
            check_stages(self.settings)
            load_models(self.settings, lambda: self.store)

    def refuse_while_active(self, source: str, *, clock: Clock | None = None) -> None:
        """:class:`RunConflictError` when ``source`` has an active run that is not stale."""
        for record in self.active_runs(clock=clock):
            if record.source == source and not record.stale:
                raise RunConflictError(
                    f"run {record.id} is already {record.status.value} for source {source}",
                    hint=f"watch it (status {record.id}) or stop it, then resume",
                )

    def _latest_resumable(self, name: str, window: Window | None, clock: Clock | None) -> str:
        statuses = [s.value for s in RunStatus if s is not RunStatus.COMPLETED]
        with self.store.read() as conn:
            rows = run_rows.list_runs(conn, limit=1000, source=name, statuses=statuses)
        for row in rows:
            if window is not None and (int(row["since"]), int(row["until"])) != (window.since, window.until):
                continue
            record = self._record(row, clock)
            if not record.status.active or record.stale:
                return record.id
        raise NotFoundError(
            f"no resumable run for source {name}",
            hint="start one with `convosift backfill` or list them with `convosift runs`",
        )

    def request_stop(self, run_id: str | None = None, *, clock: Clock | None = None) -> RunRecord:
        """Ask a run (by id, else the active run of the configured source) to stop at its next batch boundary."""
        if run_id is None:
            name = source_name(self.settings)
            active = [r for r in self.active_runs(clock=clock) if r.source == name]
            if not active:
                raise NotFoundError(f"no active run for source {name}")
            run_id = active[0].id
        row = lifecycle.request_stop(
            self.store, run_id, clock=clock or time.time, stale_after=self.settings.stale_after_seconds
        )
        return self._record(row, clock)

    def run_sync(
        self,
        *,
        source: Source | None = None,
        analyzer: Analyzer | None = None,
        progress: Progress | None = None,
        stop_event: threading.Event | None = None,
        clock: Clock | None = None,
    ) -> RunRecord:
        """Process what changed since the source's bookmark (set by a completed backfill or sync)."""
        name = source.name if source is not None else source_name(self.settings)
        with self.store.read() as conn:
            bookmark = get_bookmark(conn, name)
        if bookmark is None:
            raise ConfigurationError(
                f"source {name} has no sync bookmark yet", hint="complete a `convosift backfill` first"
            )
        now = (clock or time.time)()
        window = Window(since=bookmark, until=max(int(now) + 1, bookmark + 1))
        record = self.start_run(
            kind=RunKind.SYNC,
            window=window,
            source=source,
            analyzer=analyzer,
            progress=progress,
            stop_event=stop_event,
            clock=clock,
        )
        if record.status is RunStatus.COMPLETED:
            # New unthemed conversations join the open proposals they are close to; the rest
            # wait for the next `themes discover`.
            from convosift.themes.discovery import join_proposals

            join_proposals(self.store)
        return record

    # --- reading ------------------------------------------------------------------------------

    def get_run(self, run_id: str, *, clock: Clock | None = None) -> RunRecord:
        with self.store.read() as conn:
            return self._record(run_rows.get_run(conn, run_id), clock)

    def list_runs(
        self, limit: int = 20, offset: int = 0, *, source: str | None = None, clock: Clock | None = None
    ) -> list[RunRecord]:
        """Runs newest first (of one source, if given)."""
        with self.store.read() as conn:
            rows = run_rows.list_runs(conn, limit=limit, offset=offset, source=source)
        return [self._record(row, clock) for row in rows]

    def active_runs(self, *, source: str | None = None, clock: Clock | None = None) -> list[RunRecord]:
        with self.store.read() as conn:
            rows = run_rows.active_runs(conn)
        return [self._record(row, clock) for row in rows if source is None or row["source"] == source]

    def get_preview(self, run_id: str) -> list[dict[str, object]]:
        """The stored preview of a dry run (empty for other runs)."""
        with self.store.read() as conn:
            return list(run_rows.get_run(conn, run_id)["preview"] or [])

    def export_conversations(self, fmt: str, out: IO[str], *, source: str | None = None) -> int:
        """Write every stored conversation (of one source, if given) in ``(source, id)`` order;
        returns how many were written."""
        chosen = export_format(fmt)
        with self.store.read() as conn:
            return write_rows(export_rows(conn, source=source), EXPORT_COLUMNS, chosen, out)

    def export_skipped(self, fmt: str, out: IO[str], *, reason: str | None = None) -> int:
        """Write every skipped record (or those of one reason) in ``(source, id)`` order."""
        chosen = export_format(fmt)
        skip_reason(reason)
        with self.store.read() as conn:
            return write_rows(skipped_records(conn, reason=reason), SKIPPED_COLUMNS, chosen, out)

    def list_skipped(self, *, reason: str | None = None) -> list[dict[str, Any]]:
        """Records that could not be read (malformed, too_large, too_deep, out_of_range, gone), with
        where they were and why; each is tried again by the next run."""
        with self.store.read() as conn:
            return list(skipped_records(conn, reason=reason))

    def _record(self, row: RunRow, clock: Clock | None) -> RunRecord:
        return record_from_row(row, now=(clock or time.time)(), stale_after=self.settings.stale_after_seconds)


def discard(source: Source | None, analyzer: Analyzer | None) -> None:
    """Close a source and an analyzer that will not run (their HTTP clients hold connections)."""

    async def close() -> None:
        for component in (source, analyzer):
            if component is not None:
                await component.aclose()

    asyncio.run(close())


def _next_bookmark(settings: Settings, row: RunRow) -> int | None:
    """After a complete pass over the window, everything updated before its end (or start) is stored.

    A help desk's search sees every change made before the run started. An export file is a
    snapshot taken earlier, at a time it does not state: the next export may hold conversations
    updated between that snapshot and this run. For a files source the pass covers only up to the
    newest ``updated_at`` the run listed (the snapshot cannot predate it); listing nothing covers
    nothing past the window's start.
    """
    options = RunOptions.model_validate(row["options"])
    listed = int((row["counts"] or {}).get("listed", 0))
    truncated = options.max_conversations is not None and listed >= options.max_conversations
    if options.dry_run or truncated:
        return None
    covered_until = min(int(row["until"]), int(float(row["started_at"])))
    if settings.source == "files":
        watermark = checkpoints.from_json(row["checkpoint"]).watermark
        seen_until = int(row["since"]) if watermark is None else watermark + 1
        covered_until = min(covered_until, seen_until)
    return covered_until - settings.sync_lookback_seconds


def _options(
    settings: Settings, batch_size: int | None, max_conversations: int | None, dry_run: bool, reanalyze: bool
) -> RunOptions:
    size = settings.batch_size if batch_size is None else batch_size
    if not MIN_BATCH_SIZE <= size <= MAX_BATCH_SIZE:
        raise ConfigurationError(
            f"batch size must be between {MIN_BATCH_SIZE} and {MAX_BATCH_SIZE}, got {size}"
        )
    if max_conversations is not None and max_conversations < 1:
        raise ConfigurationError(f"max_conversations must be at least 1, got {max_conversations}")
    return RunOptions(
        batch_size=size, max_conversations=max_conversations, dry_run=dry_run, reanalyze=reanalyze
    )
