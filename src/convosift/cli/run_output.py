"""How a run is printed at the end of a command: its counters, and what to do next."""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from convosift.cli.app import console, emit_json, err_console
from convosift.domain import RunKind, RunStatus


def warn(warning: str | None) -> None:
    if warning is not None:
        err_console.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)


def finish_run(record: Any, as_json: bool, warning: str | None = None) -> None:
    if as_json:
        emit_json(record.to_dict())
    else:
        print_run(record)
    warn(warning)  # after the table, where it is read
    # A sync that finds nothing new is the normal case; a backfill that lists nothing is not.
    backfill = record.kind is RunKind.BACKFILL
    if backfill and record.status is RunStatus.COMPLETED and record.counts.listed == 0 and not as_json:
        err_console.print(
            "note: the source listed no conversation in this window (check the dates, and that "
            "the help desk or the file holds conversations updated in it)",
            highlight=False,
        )
    if record.counts.skipped and not as_json:
        where = (
            f"a dry run records none of them; its preview (GET /api/pipeline/status/{record.id}/preview) "
            "shows the first ones"
            if record.options.dry_run
            else "each is recorded with its reason (`convosift export skipped` lists them) and is "
            "tried again by the next run"
        )
        plural = "s" if record.counts.skipped != 1 else ""
        err_console.print(
            f"note: {record.counts.skipped} conversation{plural} could not be read; {where}",
            highlight=False,
            soft_wrap=True,
        )
    if record.status is RunStatus.STOPPED and not as_json:
        err_console.print(
            f"note: run {record.id} stopped at a batch boundary; `convosift resume {record.id}` continues it",
            highlight=False,
            soft_wrap=True,
        )
    if record.status is RunStatus.FAILED:
        err_console.print(
            f"[bold red]error:[/] run {record.id} failed: {record.error} "
            f"(fix the cause, then `convosift resume {record.id}`)",
            highlight=False,
        )
        raise typer.Exit(1)


def print_run(record: Any) -> None:
    counts = record.counts
    table = Table(show_header=False, box=None)
    table.add_row("run", f"{record.id} ({record.kind.value}, source {record.source})")
    status_text = record.status.value + (" — stale, can be taken over" if record.stale else "")
    # Not "[phase]": rich would read it as markup and print nothing.
    table.add_row("status", f"{status_text} (phase {record.phase})")
    table.add_row("window", f"{day(record.window.since)} → {day(record.window.until)}")
    options = record.options
    table.add_row(
        "options",
        ", ".join(
            [f"batch {options.batch_size}"]
            + ([f"at most {options.max_conversations} conversations"] if options.max_conversations else [])
            + (["dry run"] if options.dry_run else [])
            + (["reanalyze"] if options.reanalyze else [])
        ),
    )
    from convosift.pipeline.records import DISPLAYED_COUNTERS

    for name in DISPLAYED_COUNTERS:
        table.add_row(name, str(getattr(counts, name)))
    for reason, count in counts.filtered_by_reason.items():
        table.add_row(f"  filtered: {reason}", str(count))
    if counts.prompt_tokens or counts.completion_tokens:
        table.add_row(
            "tokens", f"{counts.prompt_tokens} in, {counts.completion_tokens} out (${counts.cost_usd})"
        )
    # Where a resume starts: after the batches committed.
    table.add_row("checkpoint", f"{record.checkpoint.batches} batches committed")
    table.add_row("duration", f"{record.duration_seconds:.1f}s")
    if record.eta_seconds is not None:
        table.add_row("eta", f"about {record.eta_seconds:.0f}s left")
    if record.error:
        table.add_row("error", record.error)
    console.print(table)


def day(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


class Pace:
    """Conversations listed per second by this process, for the progress line's rate and ETA.

    A resumed run's duration holds the time it was stopped: a rate over it would promise an ETA
    of days. The pace counts from the first progress this process saw.
    """

    def __init__(self) -> None:
        self._first: tuple[int, float] | None = None
        self._rate = 0.0

    def rate(self, listed: int, now: float) -> float:
        if self._first is None:
            self._first = (listed, now)
        done, elapsed = listed - self._first[0], now - self._first[1]
        # A listing taken back (a conversation counted again in a newer version) never shows as a
        # negative rate.
        self._rate = max(0.0, done / elapsed) if elapsed > 0 else 0.0
        return self._rate

    def seconds_left(self, total: int | None, listed: int) -> float | None:
        """Seconds until ``total`` conversations are listed at the current rate (None: unknown)."""
        if total is None or self._rate <= 0:
            return None
        return max(0, total - listed) / self._rate
