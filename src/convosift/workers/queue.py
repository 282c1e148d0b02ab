"""The task queue: one procrastinate task that runs a backfill or a sync of one source.

Jobs live in procrastinate's tables of the convosift database (PostgreSQL only). A job holds the
lock ``source:NAME``, so one source never has two jobs running; a sync job also holds the
queueing lock ``sync:NAME``, so syncs do not pile up behind a long one. A job that ends with its
run stopped (its worker shut down) or failed is retried, and the retry resumes that run from its
checkpoint; one whose worker died is retried by a live worker once the dead one's heartbeat is
older than ``CONVOSIFT_STALE_AFTER_SECONDS``, and its run is taken over the same way.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import procrastinate

from convosift.config import Settings
from convosift.domain import RunKind, RunStatus, Window
from convosift.errors import ConfigurationError, RunConflictError
from convosift.logs import get_logger
from convosift.pipeline.records import RunRecord
from convosift.pipeline.service import Service
from convosift.pipeline.stages import check_stages, source_name
from convosift.source_selection import select_source
from convosift.store import Store
from convosift.store import jobs as job_rows

QUEUE = "convosift"
TASK = "convosift.run_source"
RETRY = procrastinate.RetryStrategy(max_attempts=10, wait=2, exponential_wait=2)
"""A stopped or failed run is resumed by the next attempt: 2 s, then longer, ten times at most."""

log = get_logger(__name__)


class RunInterrupted(Exception):
    """The job's run ended stopped or failed; the queue retries the job, which resumes the run."""


def conninfo(settings: Settings) -> str:
    """The libpq URL of the settings' PostgreSQL database (queues need PostgreSQL)."""
    url = settings.database_url
    if not url.startswith("postgresql+psycopg://"):
        raise ConfigurationError(
            "queued runs and workers need PostgreSQL",
            hint="set CONVOSIFT_DATABASE_URL=postgresql+psycopg://..., or run without --queue",
        )
    return "postgresql://" + url.removeprefix("postgresql+psycopg://")


@dataclass
class Shutdown:
    """Set when the worker is asked to stop: running jobs stop at their next batch boundary."""

    event: threading.Event = field(default_factory=threading.Event)


def build_app(settings: Settings, shutdown: Shutdown | None = None) -> procrastinate.App:
    """The procrastinate app of the settings' database, with convosift's one task."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings)))
    stop = shutdown or Shutdown()

    @app.task(name=TASK, queue=QUEUE, retry=RETRY)
    def run_source(
        *,
        source: str | None,
        kind: str,
        since: int | None = None,
        until: int | None = None,
        batch_size: int | None = None,
        max_conversations: int | None = None,
        enqueued_at: float = 0.0,
    ) -> str:
        record = run_job(
            settings,
            source=source,
            kind=RunKind(kind),
            window=Window(since=since, until=until) if since is not None and until is not None else None,
            batch_size=batch_size,
            max_conversations=max_conversations,
            enqueued_at=enqueued_at,
            stop_event=stop.event,
        )
        if record.status is not RunStatus.COMPLETED:
            raise RunInterrupted(f"run {record.id} ended {record.status.value}: {record.error or ''}".strip())
        return record.id

    return app


def run_job(
    settings: Settings,
    *,
    source: str | None,
    kind: RunKind,
    window: Window | None,
    batch_size: int | None = None,
    max_conversations: int | None = None,
    enqueued_at: float = 0.0,
    stop_event: threading.Event | None = None,
) -> RunRecord:
    """Bring one source's backfill or sync to its end, resuming or taking over its run if one is left.

    An active run of the source whose owner is alive is waited for; once stale, it is taken over
    from its checkpoint. A backfill resumes a stopped or failed run of the same window, and is done
    when a run of that window completed after the job was queued.
    """
    chosen = select_source(settings, source)
    name = source_name(chosen)
    service = Service(chosen, Store(chosen.database_url))
    try:
        waited_until = time.monotonic() + 2 * chosen.stale_after_seconds + 30
        while True:
            active = service.active_runs(source=name)
            if active:
                if active[0].stale:
                    log.info("job_takeover", source=name, run_id=active[0].id)
                    return service.resume_run(active[0].id, stop_event=stop_event)
                if time.monotonic() > waited_until:
                    raise RunConflictError(f"source {name} keeps an active run {active[0].id}")
                time.sleep(min(chosen.heartbeat_seconds, 1.0))
                continue
            try:
                if kind is RunKind.SYNC:
                    return service.run_sync(stop_event=stop_event)
                if window is None:
                    raise ConfigurationError("a queued backfill needs its window")
                left = _left_over(service, name, window, enqueued_at)
                if isinstance(left, RunRecord):
                    return left
                if left is not None:
                    return service.resume_run(left, stop_event=stop_event)
                return service.start_run(
                    window=window,
                    batch_size=batch_size,
                    max_conversations=max_conversations,
                    stop_event=stop_event,
                )
            except RunConflictError:
                continue  # another process started a run of this source at the same moment
    finally:
        service.store.dispose()


def _left_over(service: Service, name: str, window: Window, enqueued_at: float) -> RunRecord | str | None:
    """A completed run of this job (done), the id of a stopped or failed one to resume, or None."""
    for record in service.list_runs(limit=50, source=name):
        if (record.window.since, record.window.until) != (window.since, window.until):
            continue
        if record.kind is not RunKind.BACKFILL or record.started_at.timestamp() < enqueued_at:
            continue
        if record.options.dry_run or record.options.reanalyze:
            continue  # run here with other options: not the queued job's own run
        if record.status is RunStatus.COMPLETED:
            return record
        return record.id
    return None


def enqueue_run(
    settings: Settings,
    *,
    kind: RunKind,
    window: Window | None = None,
    batch_size: int | None = None,
    max_conversations: int | None = None,
    migrated: bool = False,
) -> int:
    """Queue a backfill or a sync of the settings' source; returns the job id.

    The settings' files (source, taxonomy, vocabulary) and the source's token are checked now, so
    a broken one is refused here rather than by a worker later; the database is migrated unless
    the caller has it open already (``migrated``).
    """
    conninfo(settings)
    check_stages(settings)
    if not migrated:
        Store(settings.database_url).dispose()
    name = source_name(settings)
    args: dict[str, Any] = {
        "source": settings.source_name,
        "kind": kind.value,
        "batch_size": batch_size,
        "max_conversations": max_conversations,
        "enqueued_at": time.time(),
    }
    if window is not None:
        args.update(since=window.since, until=window.until)
    options: dict[str, Any] = {"lock": f"source:{name}"}
    if kind is RunKind.SYNC:
        options["queueing_lock"] = f"sync:{name}"

    async def defer() -> int:
        app = build_app(settings)
        async with app.open_async():
            await ensure_schema(app, settings)
            return await app.configure_task(TASK, **options).defer_async(**args)

    try:
        return asyncio.run(defer())
    except procrastinate.exceptions.AlreadyEnqueued:
        raise RunConflictError(f"a sync of source {name} is already queued") from None


async def ensure_schema(app: procrastinate.App, settings: Settings) -> None:
    """Create procrastinate's tables once (safe when several processes start at the same time)."""

    def create() -> None:
        store = Store(settings.database_url)
        try:
            with store.write() as conn:
                job_rows.ensure_queue_schema(conn, app.schema_manager.get_schema())
        finally:
            store.dispose()

    await asyncio.to_thread(create)


@dataclass(frozen=True)
class JobCounts:
    source: str
    queued: int
    running: int
    failed: int
    last_completed_at: float | None


def queue_status(settings: Settings, store: Store | None = None) -> list[JobCounts]:
    """Queued, running and failed jobs per source, with each source's last completed run.

    ``store``: an open store of the settings' database (the API's); else one is opened for the call.
    """
    conninfo(settings)
    own = store is None
    active = store if store is not None else Store(settings.database_url)
    try:
        with active.read() as conn:
            counts = job_rows.job_counts(conn, TASK)
            finished = job_rows.last_completed(conn)
    finally:
        if own:
            active.dispose()
    names = sorted(set(counts) | set(finished) | set(settings.sources))
    return [
        JobCounts(
            source=name,
            queued=counts.get(name, {}).get("todo", 0),
            running=counts.get(name, {}).get("doing", 0),
            failed=counts.get(name, {}).get("failed", 0),
            last_completed_at=finished.get(name),
        )
        for name in names
    ]
