"""`convosift worker`: run queued jobs until SIGTERM, retry jobs of dead workers, schedule syncs.

Beside procrastinate's worker, a keeper wakes every heartbeat: it hands the jobs of workers
whose heartbeat is older than ``CONVOSIFT_STALE_AFTER_SECONDS`` back to the queue (their runs are
then taken over from their checkpoints), and queues a sync of every named source whose
``sync_every`` has passed since its last completed run. SIGTERM or SIGINT stops every running
job at its next batch boundary; the queue retries those jobs, which resume their runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time

import procrastinate

from convosift.config import Settings
from convosift.domain import RunKind
from convosift.errors import ConvosiftError
from convosift.logs import get_logger
from convosift.pipeline.stages import source_name
from convosift.source_selection import select_source
from convosift.store import Store
from convosift.store import jobs as job_rows
from convosift.store.bookmarks import get_bookmark
from convosift.workers.queue import QUEUE, TASK, Shutdown, build_app, ensure_schema

log = get_logger(__name__)


def serve(settings: Settings, *, concurrency: int) -> None:
    """Run a worker in this process until SIGTERM or SIGINT."""
    asyncio.run(_serve(settings, concurrency))


async def _serve(settings: Settings, concurrency: int) -> None:
    shutdown = Shutdown()
    app = build_app(settings, shutdown)
    async with app.open_async():
        await ensure_schema(app, settings)
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                install_signal_handlers=False,
                update_heartbeat_interval=settings.heartbeat_seconds,
                stalled_worker_timeout=settings.stale_after_seconds,
                delete_jobs="successful",
            )
        )
        keeper = asyncio.create_task(_keep(app, settings))

        def stop(signum: int) -> None:
            log.info("worker_stopping", signal=signal.Signals(signum).name)
            shutdown.event.set()  # running jobs stop at their next batch boundary
            worker.cancel()

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop, signum)
        log.info("worker_started", concurrency=concurrency)
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper


async def _keep(app: procrastinate.App, settings: Settings) -> None:
    interval = max(0.5, min(settings.heartbeat_seconds, 10.0))
    store = Store(settings.database_url)  # one for the worker's life: the keeper wakes every beat
    try:
        while True:
            try:
                await _retry_stalled(app, settings)
                await asyncio.to_thread(_schedule_syncs, settings, store)
            except (ConvosiftError, procrastinate.exceptions.ProcrastinateException) as exc:
                log.warning("worker_keeper_failed", error=str(exc))
            await asyncio.sleep(interval)
    finally:
        store.dispose()


async def _retry_stalled(app: procrastinate.App, settings: Settings) -> None:
    stalled = await app.job_manager.get_stalled_jobs(
        queue=QUEUE, task_name=TASK, seconds_since_heartbeat=settings.stale_after_seconds
    )
    for job in stalled:
        log.info("job_of_a_dead_worker_retried", job_id=job.id, lock=job.lock)
        await app.job_manager.retry_job(job)


def _schedule_syncs(settings: Settings, store: Store) -> None:
    due = [name for name, spec in settings.sources.items() if spec.sync_seconds is not None]
    if not due:
        return
    from convosift.workers.queue import enqueue_run

    with store.read() as conn:
        jobs = job_rows.job_counts(conn, TASK)
        finished = job_rows.last_completed(conn)
        bookmarks = {name: get_bookmark(conn, name) for name in due}
    now = time.time()
    for name in due:
        interval = settings.sources[name].sync_seconds or 0
        busy = jobs.get(name, {})
        if busy.get("todo") or busy.get("doing") or bookmarks[name] is None:
            continue  # queued or running already, or no backfill completed yet to sync from
        if now - finished.get(name, 0.0) < interval:
            continue
        chosen = select_source(settings, name)
        with contextlib.suppress(ConvosiftError):
            job_id = enqueue_run(chosen, kind=RunKind.SYNC, migrated=True)
            log.info("sync_scheduled", source=source_name(chosen), job_id=job_id)
