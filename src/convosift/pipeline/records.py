"""The public view of a run (:class:`RunRecord`) and how a stored row becomes one."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from convosift.domain import Checkpoint, RunCounts, RunKind, RunStatus, Window
from convosift.pipeline import checkpoint as checkpoints
from convosift.store.runs import RunRow


class RunOptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    batch_size: int
    max_conversations: int | None = None
    dry_run: bool = False
    reanalyze: bool = False
    """Conversations stored unchanged are fetched and analysed again, like new ones."""


class RunOwner(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str | None = None
    pid: int | None = None


DISPLAYED_COUNTERS = (
    "listed",
    "unchanged",
    "fetched",
    "skipped",
    "filtered",
    "classified",
    "failed",
    "stored",
    "themed",
    "unmatched",
    "needs_review",
    "classifier_calls",
    "cache_hits",
)
"""The counters a run's summary shows, in this order, in the CLI and on the dashboard."""


class RunRecord(BaseModel):
    """A run as the CLI and the API show it. Built from the database, so any process can read it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: RunKind
    source: str
    status: RunStatus
    window: Window
    options: RunOptions
    counts: RunCounts
    checkpoint: Checkpoint
    phase: str
    owner: RunOwner
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    stale: bool = False
    """Active, but its owner is gone (same host) or its heartbeat is too old: it can be taken over."""
    duration_seconds: float
    eta_seconds: float | None = None
    """Only known when ``max_conversations`` bounds the run."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (no secrets: errors are scrubbed before they are stored)."""
        return self.model_dump(mode="json")


def this_host() -> str:
    return socket.gethostname()


def this_owner() -> RunOwner:
    return RunOwner(host=this_host(), pid=os.getpid())


def process_alive(pid: int) -> bool:
    """True while ``pid`` runs on this host (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def owner_gone(row: RunRow) -> bool:
    """The run's owner process no longer exists (only decidable for owners on this host).

    This process counts as alive: a run it registered but has not started yet is not abandoned.
    """
    if row["owner_host"] != this_host() or row["owner_pid"] is None or row["owner_pid"] == os.getpid():
        return False
    return not process_alive(int(row["owner_pid"]))


def is_stale(row: RunRow, *, now: float, stale_after: float) -> bool:
    if row["status"] not in (RunStatus.RUNNING.value, RunStatus.STOPPING.value):
        return False
    return now - float(row["heartbeat_at"]) > stale_after or owner_gone(row)


def record_from_row(row: RunRow, *, now: float, stale_after: float) -> RunRecord:
    options = RunOptions.model_validate(row["options"])
    counts = RunCounts.model_validate(row["counts"] or {})
    started, finished = float(row["started_at"]), row["finished_at"]
    duration = max(0.0, (float(finished) if finished is not None else now) - started)
    return RunRecord(
        id=row["id"],
        kind=RunKind(row["kind"]),
        source=row["source"],
        status=RunStatus(row["status"]),
        window=Window(since=int(row["since"]), until=int(row["until"])),
        options=options,
        counts=counts,
        checkpoint=checkpoints.from_json(row["checkpoint"]),
        phase=row["phase"],
        owner=RunOwner(host=row["owner_host"], pid=row["owner_pid"]),
        started_at=_utc(started),
        heartbeat_at=_utc(float(row["heartbeat_at"])),
        finished_at=_utc(float(finished)) if finished is not None else None,
        error=row["error"],
        stale=is_stale(row, now=now, stale_after=stale_after),
        duration_seconds=round(duration, 3),
        eta_seconds=_eta(options, counts, duration, RunStatus(row["status"])),
    )


def expected_total(options: RunOptions, counts: RunCounts) -> int | None:
    """How many conversations the run will list: the source's count, capped by ``max_conversations``."""
    totals = [t for t in (options.max_conversations, counts.window_total or None) if t is not None]
    return min(totals) if totals else None


def _eta(options: RunOptions, counts: RunCounts, elapsed: float, status: RunStatus) -> float | None:
    total = expected_total(options, counts)
    if not status.active or total is None or counts.listed == 0 or elapsed <= 0:
        return None
    remaining = max(0, total - counts.listed)
    return round(remaining / (counts.listed / elapsed), 1)


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)
