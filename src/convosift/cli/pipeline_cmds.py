"""Run commands: backfill, resume, stop, status, runs, sync, export, demo.

Each command parses its options, calls one function of :mod:`convosift.pipeline.service` and
renders the result (rich on a terminal, ``--json`` for scripts). While a run executes, a progress
line on stderr shows its counters; Ctrl-C (or SIGTERM) asks it to stop at the next batch boundary,
a second Ctrl-C aborts at once, which is safe because each batch commits in one transaction.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from convosift import limits
from convosift.cli.app import (
    SOURCE_HELP,
    app,
    console,
    emit_json,
    err_console,
    handle_errors,
    settings,
    source_filter,
    source_settings,
)
from convosift.cli.run_output import Pace, day, finish_run, print_run
from convosift.config import MAX_BATCH_SIZE, MIN_BATCH_SIZE
from convosift.domain import RunKind

__all__ = ["app"]

export_app = typer.Typer(help="Write stored data to files.", no_args_is_help=True)
app.add_typer(export_app, name="export", rich_help_panel="Results")

JSON_OPTION = typer.Option(False, "--json", help="Print the final run record as JSON.")
SOURCE_OPTION = typer.Option(None, "--source", help=SOURCE_HELP)
FILTER_OPTION = typer.Option(None, "--source", help="Only this source (default: every source).")
QUEUE_OPTION = typer.Option(
    False, "--queue", help="Queue the run for `convosift worker` instead of running it here (PostgreSQL)."
)


# --- commands --------------------------------------------------------------------------------


@app.command("backfill", rich_help_panel="Runs")
@handle_errors
def backfill(
    *,
    days: int | None = typer.Option(
        None, "--days", help=f"Backfill the last N days ({limits.DAYS.low}-{limits.DAYS.high})."
    ),
    since: str | None = typer.Option(None, "--since", help="Start date (YYYY-MM-DD or ISO date-time, UTC)."),
    until: str | None = typer.Option(None, "--until", help="End date, exclusive (default: now)."),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Conversations per batch (10-500)."),
    max_conversations: int | None = typer.Option(
        None, "--max-conversations", min=1, help="Stop after this many listed conversations."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Process but store nothing except the run record."),
    reanalyze: bool = typer.Option(
        False, "--reanalyze", help="Also fetch and analyse conversations stored unchanged (after an upgrade)."
    ),
    source: str | None = SOURCE_OPTION,
    queue: bool = QUEUE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Backfill a time window: list, skip unchanged, fetch, filter, classify, match, store.

    Example: convosift backfill --days 90 --batch-size 100
    """
    from convosift.pipeline import windows
    from convosift.pipeline.service import Service

    window = windows.requested(days, since, until, time.time(), prefix="--")
    if batch_size is not None:  # refused before the models load, not seconds later
        limits.Range(MIN_BATCH_SIZE, MAX_BATCH_SIZE).check(batch_size, "batch size (--batch-size)")
    if queue:
        if dry_run or reanalyze:  # both run here only
            raise typer.BadParameter("--dry-run and --reanalyze cannot be queued", param_hint="--queue")
        _enqueue(
            source,
            "backfill",
            as_json,
            window=window,
            batch_size=batch_size,
            max_conversations=max_conversations,
        )
        return
    with Service.open(source_settings(source)) as service:
        record = _with_progress(
            lambda progress, stop: service.start_run(
                window=window,
                batch_size=batch_size,
                max_conversations=max_conversations,
                dry_run=dry_run,
                reanalyze=reanalyze,
                progress=progress,
                stop_event=stop,
            ),
            quiet=as_json,
        )
        warning = service.vocabulary_warning()
    finish_run(record, as_json, warning)


@app.command("resume", rich_help_panel="Runs")
@handle_errors
def resume(
    run_id: str | None = typer.Argument(None, help="Run to resume (default: the latest resumable run)."),
    source: str | None = SOURCE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Resume a stopped, failed or abandoned run from its last committed batch.

    Without a run id, a run of the source that is still active is a conflict (exit 5).
    """
    from convosift.pipeline.service import Service

    with Service.open(source_settings(source)) as service:
        record = _with_progress(
            lambda progress, stop: service.resume_run(run_id, progress=progress, stop_event=stop),
            quiet=as_json,
        )
        warning = service.vocabulary_warning()
    finish_run(record, as_json, warning)


@app.command("sync", rich_help_panel="Runs")
@handle_errors
def sync(source: str | None = SOURCE_OPTION, queue: bool = QUEUE_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Process conversations changed since the last completed backfill or sync."""
    from convosift.pipeline.service import Service

    if queue:
        _enqueue(source, "sync", as_json)
        return
    with Service.open(source_settings(source)) as service:
        record = _with_progress(
            lambda progress, stop: service.run_sync(progress=progress, stop_event=stop), quiet=as_json
        )
        warning = service.vocabulary_warning()
    finish_run(record, as_json, warning)


@app.command("stop", rich_help_panel="Runs")
@handle_errors
def stop(
    run_id: str | None = typer.Argument(None, help="Run to stop (default: the source's active run)."),
    source: str | None = SOURCE_OPTION,
) -> None:
    """Ask a run to stop at its next batch boundary (it can be resumed later)."""
    from convosift.pipeline.service import Service

    with Service.open(settings() if run_id is not None else source_settings(source)) as service:
        record = service.request_stop(run_id)
    console.print(f"run {record.id}: {record.status.value}")


@app.command("status", rich_help_panel="Runs")
@handle_errors
def status(
    run_id: str | None = typer.Argument(None, help="Run to show (default: active runs, else the latest)."),
    source: str | None = FILTER_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a run's status, counters, checkpoint and error."""
    from convosift.errors import NotFoundError
    from convosift.pipeline.service import Service

    loaded = settings()
    name = source_filter(loaded, source)
    with Service.open(loaded) as service:
        if run_id is not None:
            records = [service.get_run(run_id)]
        else:
            records = service.active_runs(source=name) or service.list_runs(limit=1, source=name)
    if not records:
        raise NotFoundError("no runs yet", hint="start one with `convosift backfill`")
    if as_json:
        emit_json(records[0].to_dict() if run_id is not None else [r.to_dict() for r in records])
        return
    for record in records:
        print_run(record)


WIDE_RUNS_TABLE = 120
"""Terminal columns from which ``runs`` shows every column."""


@app.command("runs", rich_help_panel="Runs")
@handle_errors
def runs(
    limit: int = typer.Option(
        20, "--limit", help=f"How many runs to list ({limits.HISTORY_SIZE.low}-{limits.HISTORY_SIZE.high})."
    ),
    source: str | None = FILTER_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print JSON (newest first, each with its counts)."),
) -> None:
    """List runs, newest first."""
    from convosift.pipeline.service import Service

    limits.HISTORY_SIZE.check(limit, "--limit")
    loaded = settings()
    name = source_filter(loaded, source)
    with Service.open(loaded) as service:
        records = service.list_runs(limit=limit, source=name)
    if as_json:
        emit_json([r.to_dict() for r in records])
        return
    if not records:
        which, option = (f" of source {name}", f" --source {name}") if name else ("", "")
        console.print(f"No runs{which} yet: start one with `convosift backfill{option}`.", highlight=False)
        return
    columns = (
        "id",
        "source",
        "kind",
        "status",
        "window",
        "listed",
        "unchanged",
        "stored",
        "started",
        "error",
    )
    # Ten columns cut to "sour…" and "202…" at 80 columns: a narrow terminal gets the six a person
    # looks for first, each whole (every field is in --json). "unchanged" stands beside "stored":
    # a sync that listed 500 and stored 0 lost nothing.
    narrow = ("id", "status", "listed", "unchanged", "stored", "started")
    shown = columns if console.width >= WIDE_RUNS_TABLE else narrow
    table = Table(
        *shown,
        caption=None if shown == columns else "more columns: a wider terminal or --json",
        show_edge=shown == columns,  # the outer borders would push "started" onto two lines at 80
    )
    # A run id is what `status` and `resume` take: shown whole however narrow the terminal.
    table.columns[0].no_wrap = True
    table.columns[0].min_width = max((len(r.id) for r in records), default=2)
    for r in records:
        cells = {
            "id": r.id,
            "source": r.source,
            "kind": r.kind.value,
            "status": r.status.value + (" (stale)" if r.stale else ""),
            "window": f"{day(r.window.since)} → {day(r.window.until)}",
            "listed": str(r.counts.listed),
            "unchanged": str(r.counts.unchanged),
            "stored": str(r.counts.stored),
            "started": r.started_at.strftime("%Y-%m-%d %H:%M"),
            "error": r.error or "",
        }
        table.add_row(*(escape(cells[column]) for column in shown))
    console.print(table)


@export_app.command("conversations")
@handle_errors
def export_conversations(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default, or -: stdout)."),
    source: str | None = FILTER_OPTION,
) -> None:
    """Export stored conversations in (source, id) order, with quality, category and theme.

    needs_review marks a category that is a low-confidence guess. theme is empty when the
    conversation is unmatched; theme_score is then the best theme's score, which was below the
    match threshold or whose text was judged not of the vocabulary's business (0 with no
    vocabulary). A theme a person gave by accepting or merging a discovered proposal has as its
    score the cosine similarity of the conversation's quote to the theme's examples (sentence
    vectors; 0 when discovery kept no quote of it): a scale of its own, to compare with other
    such rows, not with a model's score. proposal is the open proposal the conversation sits in.
    In CSV, a text that starts like a spreadsheet formula (=, +, -, @, a tab or a carriage return)
    begins with an apostrophe, so it is shown, never run.
    """
    from convosift.outputs import is_stdout, open_output
    from convosift.pipeline.exports import export_format
    from convosift.pipeline.service import Service

    chosen = export_format(fmt)
    loaded = settings()
    name = source_filter(loaded, source)
    with Service.open(loaded) as service:
        if out is None or is_stdout(out):
            service.export_conversations(chosen, typer.get_text_stream("stdout"), source=name)
            return
        with open_output(out) as handle:
            written = service.export_conversations(chosen, handle, source=name)
    err_console.print(f"wrote {written} conversations to {out}")


@export_app.command("skipped")
@handle_errors
def export_skipped(
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default, or -: stdout)."),
    reason: str | None = typer.Option(
        None, "--reason", help="Only this reason: malformed, too_large, too_deep, out_of_range or gone."
    ),
) -> None:
    """Export the records no run could read, with their reason, where they were and what was wrong.

    Each is tried again by the next run, so a record fixed at its source is stored then.
    """
    from convosift.outputs import is_stdout, open_output
    from convosift.pipeline.exports import export_format, skip_reason
    from convosift.pipeline.service import Service

    # Checked before --out is opened: a file there is not emptied by a mistyped option.
    chosen, reason = export_format(fmt), skip_reason(reason)
    with Service.open(settings()) as service:
        if out is None or is_stdout(out):
            service.export_skipped(chosen, typer.get_text_stream("stdout"), reason=reason)
            return
        with open_output(out) as handle:
            written = service.export_skipped(chosen, handle, reason=reason)
    err_console.print(f"wrote {written} skipped records to {out}")


@app.command("demo", rich_help_panel="Runs")
@handle_errors
def demo(
    conversations: int = typer.Option(2000, "--conversations", min=10, help="Size of the synthetic inbox."),
    database: Path = typer.Option(Path("convosift-demo.db"), "--database", help="SQLite file to fill."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Backfill a synthetic inbox from a local Intercom-compatible server, then summarise it.

    No token and no network: the server runs in this process and the local models are embedded.
    """
    from convosift.mock.demo import run_demo

    loaded = settings(database_url=f"sqlite:///{database}")
    summary = _with_progress(
        lambda progress, stop: run_demo(
            loaded, conversations=conversations, progress=progress, stop_event=stop
        ),
        quiet=as_json,
    )
    if as_json:
        emit_json(summary)
        return
    _print_demo(summary, database)


# --- running with progress and signals -------------------------------------------------------


def _enqueue(source: str | None, kind: str, as_json: bool, **options: Any) -> None:
    from convosift.pipeline.stages import source_name
    from convosift.workers import enqueue_run

    chosen = source_settings(source)
    job_id = enqueue_run(chosen, kind=RunKind(kind), **options)
    name = source_name(chosen)
    if as_json:
        emit_json({"job_id": job_id, "source": name, "kind": kind, "status": "queued"})
        return
    console.print(f"queued {kind} of source {name} as job {job_id}; `convosift worker` runs it")


def _with_progress(run: Callable[[Callable[[Any], None], threading.Event], Any], *, quiet: bool) -> Any:
    stop_event = threading.Event()
    with _stop_on_signals(stop_event):
        if quiet:
            return run(lambda _record: None, stop_event)
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[counters]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[eta]}"),
        )
        from convosift.pipeline.records import expected_total

        with Progress(*columns, console=err_console, transient=False) as bar:
            task = bar.add_task("starting", total=None, counters="", eta="")

            pace = Pace()

            def show(record: Any) -> None:
                counts = record.counts
                rate = pace.rate(counts.listed, time.monotonic())
                total = expected_total(record.options, counts)
                left = pace.seconds_left(total, counts.listed)
                eta = f"ETA {left:.0f}s" if left is not None and record.status.active else ""
                counters = (
                    f"listed {counts.listed} · unchanged {counts.unchanged} · fetched {counts.fetched} · "
                    f"filtered {counts.filtered} · classified {counts.classified} · stored {counts.stored} · "
                    f"{rate:.1f}/s"
                )
                description = f"{record.kind.value} {record.id} {record.phase}"
                bar.update(
                    task,
                    description=description,
                    completed=counts.listed,
                    total=total,
                    counters=counters,
                    eta=eta,
                )

            return run(show, stop_event)


@contextmanager
def _stop_on_signals(stop_event: threading.Event) -> Iterator[None]:
    """First SIGINT/SIGTERM: stop at the next batch boundary. Second: abort at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop_event.is_set():
            raise KeyboardInterrupt
        stop_event.set()
        err_console.print("stopping at the next batch boundary (press Ctrl-C again to abort)")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- rendering -------------------------------------------------------------------------------


def _print_demo(summary: dict[str, Any], database: Path) -> None:
    _print_record_dict(summary["run"])
    for title, key in (("top categories", "top_categories"), ("top themes", "top_themes")):
        table = Table(title, "conversations")
        for name, count in summary[key]:
            table.add_row(str(name), str(count))
        console.print(table)
    if summary["proposals"]:
        table = Table("proposal", "size", "title", "key phrases", title="proposed themes")
        for proposal in summary["proposals"]:
            table.add_row(
                proposal["id"], str(proposal["size"]), proposal["title"], ", ".join(proposal["key_phrases"])
            )
        console.print(table)
    truth = summary["ground_truth"]
    console.print(
        f"against the generator's ground truth: filter agreement {truth['filter_agreement']:.1%}; "
        f"of {truth['kept']} kept conversations, category accuracy {truth['category_accuracy']:.1%} "
        f"({truth['needs_review']} flagged for review), theme precision {truth['theme_precision']:.1%}, "
        f"recall {truth['theme_recall']:.1%}",
        soft_wrap=True,
    )
    console.print(
        f"stored in {database}; export it with "
        f"`CONVOSIFT_DATABASE_URL=sqlite:///{database} convosift export conversations --format csv`"
    )


def _print_record_dict(run: dict[str, Any]) -> None:
    counts = run["counts"]
    line = ", ".join(
        f"{name} {counts[name]}"
        for name in ("listed", "fetched", "filtered", "classified", "stored", "themed", "unmatched")
    )
    console.print(f"run {run['id']} {run['status']} in {run['duration_seconds']:.1f}s: {line}")
    for reason, count in counts["filtered_by_reason"].items():
        console.print(f"  filtered as {reason}: {count}")
