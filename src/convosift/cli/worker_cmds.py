"""Workers: ``convosift worker`` runs queued jobs, ``convosift workers status`` shows the queue."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from convosift.cli.app import app, console, emit_json, err_console, handle_errors, settings

__all__ = ["app"]

workers_app = typer.Typer(help="The task queue of queued runs (PostgreSQL).", no_args_is_help=True)
app.add_typer(workers_app, name="workers", rich_help_panel="Runs")


@app.command("worker", rich_help_panel="Runs")
@handle_errors
def worker(
    concurrency: int = typer.Option(
        2, "--concurrency", min=1, max=64, help="Jobs run at once (each is one source's run)."
    ),
) -> None:
    """Run queued backfills and syncs until SIGTERM (PostgreSQL only).

    One job per source at a time; a worker killed mid-run is taken over by another from the
    run's checkpoint once its heartbeat is older than CONVOSIFT_STALE_AFTER_SECONDS. Named
    sources with sync_every are synced on schedule. SIGTERM stops running jobs at their next
    batch boundary; the queue retries them.
    """
    from convosift.workers.queue import conninfo
    from convosift.workers.worker import serve

    loaded = settings()
    conninfo(loaded)
    err_console.print(f"convosift worker: {concurrency} at once; SIGTERM or Ctrl-C stops it", highlight=False)
    serve(loaded, concurrency=concurrency)


@workers_app.command("status")
@handle_errors
def workers_status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Queued, running and failed jobs per source, and when each source last completed a run."""
    from convosift.workers import queue_status

    rows = queue_status(settings())
    if as_json:
        emit_json(
            [
                {
                    "source": r.source,
                    "queued": r.queued,
                    "running": r.running,
                    "failed": r.failed,
                    "last_completed_at": r.last_completed_at,
                }
                for r in rows
            ]
        )
        return
    table = Table("source", "queued", "running", "failed", "last completed run")
    for r in rows:
        last = (
            datetime.fromtimestamp(r.last_completed_at, UTC).strftime("%Y-%m-%d %H:%M")
            if r.last_completed_at
            else "never"
        )
        table.add_row(r.source, str(r.queued), str(r.running), str(r.failed), last)
    console.print(table)
