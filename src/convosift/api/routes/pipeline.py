"""Run control: start, watch, stop, list. Every answer is read from the database."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from convosift.api.auth import require_token
from convosift.api.context import AppContext, get_context
from convosift.api.schemas import HistorySize, Offset, RunRequest, StopRequest
from convosift.domain import RunKind, Window
from convosift.errors import ConvosiftError, StoreError
from convosift.pipeline import stages, windows
from convosift.pipeline.service import discard

router = APIRouter(prefix="/api/pipeline", tags=["pipeline"])


CLAIM_TIMEOUT_SECONDS = 30.0


@router.post("/run", status_code=202, dependencies=[Depends(require_token)])
def start_run(body: RunRequest, context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """Start a backfill (or resume one) in the background; 409 while the source has an active run."""
    if body.resume:
        return _resume(context, body)
    service = context.source_service(body.source)
    if body.queue:
        from convosift.workers import enqueue_run

        job_id = enqueue_run(
            service.settings,
            kind=RunKind.BACKFILL,
            window=_window(body),
            batch_size=body.batch_size,
            max_conversations=body.max_conversations,
        )
        return {"job_id": job_id, "source": stages.source_name(service.settings), "status": "queued"}
    components = context.run_components(service.settings)
    source = components["source"]
    try:
        record = service.create_run(
            kind=RunKind.BACKFILL,
            window=_window(body),
            batch_size=body.batch_size,
            max_conversations=body.max_conversations,
            dry_run=body.dry_run,
            reanalyze=body.reanalyze,
            source=source.name if source is not None else None,
        )
    except ConvosiftError:
        discard(components["source"], components["analyzer"])
        raise
    context.launcher.launch(
        lambda local: service.execute_run(
            record.id, stop_event=local.stop_event, progress=local.on_progress, **components
        ),
        run_id=record.id,
    )
    return record.to_dict()


def _resume(context: AppContext, body: RunRequest) -> dict[str, Any]:
    """Resume in the background but answer only once the run is claimed, so conflicts are a 409 here."""
    service = context.source_service(body.source)
    components = context.run_components(service.settings)
    source = components["source"]
    if body.resume_run_id is None:
        name = source.name if source is not None else stages.source_name(service.settings)
        try:
            service.refuse_while_active(name)
        except ConvosiftError:
            discard(components["source"], components["analyzer"])
            raise
    window = _window(body) if body.days is not None or body.since is not None else None
    local = context.launcher.launch(
        lambda local: service.resume_run(
            body.resume_run_id,
            window=window,
            stop_event=local.stop_event,
            progress=local.on_progress,
            **components,
        ),
        run_id=body.resume_run_id,
    )
    record = local.wait_claimed(CLAIM_TIMEOUT_SECONDS)
    if record is None:
        raise StoreError("the run was not claimed in time", hint="check GET /api/pipeline/active")
    return record.to_dict()


@router.get("/status/{run_id}")
def run_status(run_id: str, context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """Counters, phase, checkpoint, error, duration and ETA of one run."""
    return context.service.get_run(run_id).to_dict()


@router.get("/status/{run_id}/preview")
def run_preview(run_id: str, context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """The stored preview of a dry run (empty for a run that wrote its results)."""
    record = context.service.get_run(run_id)
    items = context.service.get_preview(run_id)
    return {"run_id": record.id, "dry_run": record.options.dry_run, "items": items}


SourceQuery = Annotated[str | None, Query(min_length=1, max_length=64, description="Only this source.")]


@router.get("/active")
def active_runs(source: SourceQuery = None, context: AppContext = Depends(get_context)) -> dict[str, Any]:
    name = context.source_filter(source)
    return {"runs": [record.to_dict() for record in context.service.active_runs(source=name)]}


@router.get("/history")
def run_history(
    limit: Annotated[HistorySize, Query()] = 20,
    offset: Annotated[Offset, Query()] = 0,
    source: SourceQuery = None,
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    """Runs, newest first."""
    runs = context.service.list_runs(limit=limit, offset=offset, source=context.source_filter(source))
    return {"runs": [record.to_dict() for record in runs], "limit": limit, "offset": offset}


@router.post("/stop", status_code=202, dependencies=[Depends(require_token)])
def stop_run(
    body: StopRequest | None = Body(None), context: AppContext = Depends(get_context)
) -> dict[str, Any]:
    """Ask a run (default: the active one) to stop at its next batch boundary."""
    run_id = body.run_id if body else None
    service = context.service if run_id is not None else context.source_service(body.source if body else None)
    record = service.request_stop(run_id)
    # The database status reaches the run wherever it executes; a local run also gets its event.
    context.launcher.signal_stop(record.id)
    return record.to_dict()


@router.get("/workers")
def workers_status(context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """Queued, running and failed jobs per source, and each source's last completed run."""
    from convosift.workers import queue_status

    return {"sources": [vars(row) for row in queue_status(context.settings, context.store())]}


def _window(body: RunRequest) -> Window:
    return windows.requested(body.days, body.since, body.until, time.time())
