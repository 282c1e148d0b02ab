"""The streaming batch loop (DESIGN.md §4), as a pipeline of three overlapping stages.

For each batch: one query finds what is already stored, details are fetched for the rest, the
quality filter runs, kept conversations are analysed, and ONE transaction writes the rows, the
run's counters and its checkpoint. Batches are listed and fetched ahead (``fetch_ahead``,
``CONVOSIFT_FETCH_AHEAD``) while earlier ones are analysed, and committed strictly in listing
order, so the checkpoint always points just past a committed prefix. See :class:`BatchLoop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from convosift.analysis.base import Analyzer
from convosift.domain import (
    Analysis,
    Checkpoint,
    ClassificationStatus,
    Conversation,
    ListedItem,
    QualityOutcome,
    RunCounts,
    RunStatus,
    Skipped,
    Window,
)
from convosift.errors import ClassifierError, RunTakenOverError, SourceFatalError
from convosift.pipeline import checkpoint as checkpoints
from convosift.pipeline.batches import ListedBatch, listed_batches
from convosift.pipeline.lifecycle import Claim, Clock
from convosift.pipeline.records import RunOptions
from convosift.pipeline.results import keep_curated, outcome_counts, preview_entry
from convosift.pipeline.tasks import cancel, pending_tasks
from convosift.sources.base import DetailResult, Source
from convosift.store import Store
from convosift.store import runs as run_rows
from convosift.store.conversations import (
    ConversationResult,
    StoredVersion,
    mark_unchanged,
    save_results,
    save_skipped,
    seen_unchanged,
    stored_outcomes,
    stored_versions,
)
from convosift.store.proposals import drop_settled_members
from convosift.store.runs import RunRow
from convosift.themes.rematch import settled

PREVIEW_LIMIT = 200
Assess = Callable[[Conversation], QualityOutcome]


class Outcome(StrEnum):
    COMPLETED = "completed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Stages:
    """What the loop composes: where conversations come from, the quality rules, the analyzer."""

    source: Source
    assess: Assess
    analyzer: Analyzer


DEFAULT_FETCH_AHEAD = 2


@dataclass(frozen=True)
class LoopConfig:
    heartbeat_seconds: float
    fetch_ahead: int = DEFAULT_FETCH_AHEAD
    """Batches listed and fetched ahead of those being analysed (0: one batch at a time)."""
    input_cost_per_1k: float = 0.0
    output_cost_per_1k: float = 0.0
    preview_limit: int = PREVIEW_LIMIT


def analysis_slots(analyzer: Analyzer, batch_size: int) -> int:
    """How many batches are analysed at once.

    One for the local models: they are CPU-bound, and a crash then re-does at most one batch of
    analysis. An analyzer that waits on the network (``max_in_flight`` calls at once, each answer
    cached as it arrives) gets enough batches to keep every call slot busy across batch ends: the
    quality filter often drops half of a batch, and each batch waits for its slowest answer, so
    the batches at once hold twice ``max_in_flight`` conversations, plus two being finished.
    """
    in_flight = getattr(analyzer, "max_in_flight", None)
    if not isinstance(in_flight, int) or in_flight <= 1:
        return 1
    return math.ceil(2 * in_flight / batch_size) + 2


NETWORK_CHUNK = 10
"""Conversations a network-bound analyzer gets as their details arrive, not after the whole batch."""


@dataclass
class PlannedBatch:
    """A listed batch, with what is already stored decided: what to fetch, what to skip."""

    listed: ListedBatch
    revisits: int
    unchanged: int
    fetch: list[ListedItem]
    versions: dict[str, int] = field(default_factory=dict)
    """The newest ``updated_at`` listed for each id of the batch."""
    replacing: set[str] = field(default_factory=set)
    """Ids this run has seen before, fetched again in a newer version that replaces the row."""
    unchanged_ids: list[str] = field(default_factory=list)
    stored_before: set[str] = field(default_factory=set)  # fetched again: maybe in an open proposal


@dataclass
class AnalysedBatch:
    """A planned batch with its details fetched, filtered and analysed: ready to commit."""

    plan: PlannedBatch
    results: list[ConversationResult]
    skipped: list[Skipped]


class BatchLoop:
    """Runs one claimed run from its checkpoint to completion or a stop.

    Three stages overlap, joined by queues and bounded by two semaphores:

    * the **lister** lists batches in order, decides what each one needs fetched, and starts its
      fetch at once (the source bounds requests in flight and paces them to its rate limit);
    * the **dispatcher** hands fetched batches, in order, to the analyzer: one batch at a time
      for the local models, several for an analyzer that waits on the network;
    * the **committer** takes analysed batches strictly in order and writes each in one
      transaction with its counters and checkpoint, even when a later batch finished first.

    At most ``fetch_ahead + slots`` batches are uncommitted at any moment (``slots`` being the
    batches analysed at once), which bounds both memory and what a crash re-fetches; a stop ends
    at the next batch boundary, dropping batches fetched ahead.
    """

    def __init__(
        self,
        store: Store,
        claim: Claim,
        stages: Stages,
        config: LoopConfig,
        *,
        clock: Clock,
        stop_event: threading.Event | None = None,
        on_commit: Callable[[RunRow], None] | None = None,
    ) -> None:
        row = claim.row
        self.store, self.claim, self.stages, self.config = store, claim, stages, config
        self.clock, self.stop_event, self.on_commit = clock, stop_event, on_commit
        self.run_id, self.source_name = str(row["id"]), str(row["source"])
        self.window = Window(since=int(row["since"]), until=int(row["until"]))
        self.options = RunOptions.model_validate(row["options"])
        self.counts = RunCounts.model_validate(row["counts"] or {})
        self.checkpoint: Checkpoint = checkpoints.from_json(row["checkpoint"])
        self.preview: list[dict[str, Any]] = list(row["preview"] or [])
        self.slots = analysis_slots(stages.analyzer, self.options.batch_size)
        self.chunk = NETWORK_CHUNK if self.slots > 1 else max(1, self.options.batch_size)
        self.capacity = config.fetch_ahead + self.slots
        """The most batches listed and not yet committed."""
        self._lease_lost = False

    async def run(self) -> Outcome:
        budget = None
        if self.options.max_conversations is not None:
            budget = max(0, self.options.max_conversations - self.counts.listed)
        batches = listed_batches(
            self.stages.source,
            self.window,
            self.checkpoint,
            batch_size=self.options.batch_size,
            budget=budget,
        )
        uncommitted = asyncio.Semaphore(self.capacity)
        analysing = asyncio.Semaphore(self.slots)
        fetched: asyncio.Queue[Fetched] = asyncio.Queue()
        analysed: asyncio.Queue[Staged] = asyncio.Queue()
        tasks = [
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self._list(batches, uncommitted, fetched)),
            asyncio.create_task(self._dispatch(fetched, analysing, analysed)),
        ]
        try:
            return await self._commit_in_order(analysed, uncommitted, analysing)
        finally:
            await cancel(tasks)
            await cancel(pending_tasks(fetched) + pending_tasks(analysed))
            # Cleanup must not mask the error that ended the run.
            with contextlib.suppress(Exception):
                await batches.aclose()

    def _stop_signalled(self) -> bool:
        if self._lease_lost:
            raise RunTakenOverError(self.run_id)
        return self.stop_event is not None and self.stop_event.is_set()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat_seconds)
            if not await asyncio.to_thread(self._beat):
                self._lease_lost = True
                return

    def _beat(self) -> bool:
        with self.store.write() as conn:
            return run_rows.update_run(
                conn, self.run_id, {"heartbeat_at": self.clock()}, lease=self.claim.lease
            )

    # --- the three stages ----------------------------------------------------------------------

    async def _list(
        self,
        batches: AsyncIterator[ListedBatch],
        uncommitted: asyncio.Semaphore,
        fetched: asyncio.Queue[Fetched],
    ) -> None:
        """List batches in order and start fetching each; hand on an error where it happened."""
        # Versions listed by the batches that may not be committed yet: a stored-versions read
        # cannot see them. Every batch uncommitted when a read starts is among the last
        # ``capacity`` planned, as each one holds a place of ``uncommitted`` until it commits.
        recent: deque[dict[str, int]] = deque(maxlen=self.capacity)
        try:
            while True:
                await uncommitted.acquire()
                listed = await anext(batches, None)
                if listed is None:
                    break
                plan = await self._plan(listed, recent)
                recent.append(plan.versions)
                ids = [item.id for item in plan.fetch]
                chunks = [ids[i : i + self.chunk] for i in range(0, len(ids), self.chunk)]
                fetched.put_nowait((plan, [asyncio.create_task(self._fetch(chunk)) for chunk in chunks]))
        except Exception as error:
            fetched.put_nowait(error)
            return
        fetched.put_nowait(None)

    async def _dispatch(
        self,
        fetched: asyncio.Queue[Fetched],
        analysing: asyncio.Semaphore,
        analysed: asyncio.Queue[Staged],
    ) -> None:
        """Start analysing batches in listing order, as analysis places free up."""
        while True:
            item = await fetched.get()
            if not isinstance(item, tuple):
                analysed.put_nowait(item)
                return
            plan, details = item
            try:
                await analysing.acquire()
            except asyncio.CancelledError:
                for task in details:
                    task.cancel()
                raise
            analysed.put_nowait((plan, asyncio.create_task(self._analyse(plan, details))))

    async def _commit_in_order(
        self,
        analysed: asyncio.Queue[Staged],
        uncommitted: asyncio.Semaphore,
        analysing: asyncio.Semaphore,
    ) -> Outcome:
        while True:
            if self._stop_signalled():
                return Outcome.STOPPED
            item = await analysed.get()
            if item is None:
                return Outcome.COMPLETED
            if isinstance(item, BaseException):
                raise item
            _, task = item
            batch = await task
            if not isinstance(batch, AnalysedBatch):  # pragma: no cover - typed by _analyse
                raise TypeError("an analysis task returned no batch")
            row = await self._commit_batch(batch)
            analysing.release()
            uncommitted.release()
            if row["status"] == RunStatus.STOPPING.value:
                return Outcome.STOPPED

    # --- one batch ---------------------------------------------------------------------------

    async def _plan(self, listed: ListedBatch, recent: Sequence[dict[str, int]]) -> PlannedBatch:
        ids = [item.id for item, _ in listed.items]
        stored = await asyncio.to_thread(self._stored_versions, ids)
        newest: dict[str, int] = {}
        for item, _ in listed.items:
            newest[item.id] = max(item.updated_at, newest.get(item.id, item.updated_at))
        revisits = 0
        unchanged_ids: list[str] = []
        fetch: list[ListedItem] = []
        replacing: set[str] = set()
        decided: set[str] = set()
        for item, _ in listed.items:
            if item.id in decided or item.updated_at < newest[item.id]:
                revisits += 1  # an id listed twice in one batch: only its newest version counts
                continue
            decided.add(item.id)
            version = stored.get(item.id)
            handled = max((v[item.id] for v in recent if item.id in v), default=None)
            mine = version is not None and self.run_id in (version.run_id, version.seen_run_id)
            if mine and version is not None and version.updated_at is not None:
                handled = version.updated_at if handled is None else max(handled, version.updated_at)
            current = (  # stored as listed, or newer: an export may hold an older copy too
                version is not None
                and not (version.skipped or version.failed or self.options.reanalyze)
                and (version.updated_at or 0) >= item.updated_at
            )
            if handled is not None and (handled >= item.updated_at or current):
                # Already handled by this run (a window listed again, or an id listed twice): the
                # greatest updated_at wins, and a row is not counted twice.
                revisits += 1
            elif handled is not None:
                # A newer version of an id this run has seen replaces the row; the counters take back
                # what this run counted for that row when this batch commits (after every one before).
                replacing.add(item.id)
                fetch.append(item)
            elif current:
                unchanged_ids.append(item.id)
            else:
                fetch.append(item)
        again = {item.id for item in fetch if item.id in stored}
        return PlannedBatch(
            listed, revisits, len(unchanged_ids), fetch, newest, replacing, unchanged_ids, again
        )

    async def _fetch(self, ids: list[str]) -> list[DetailResult]:
        details = await self.stages.source.details(ids)
        if len(details) != len(ids):
            raise SourceFatalError(f"the source returned {len(details)} details for {len(ids)} ids")
        return details

    def _stored_versions(self, ids: Sequence[str]) -> dict[str, StoredVersion]:
        # Dry runs read what is stored too, so they preview what a real run would do.
        with self.store.read() as conn:
            return stored_versions(conn, self.source_name, ids)

    async def _analyse(
        self, plan: PlannedBatch, fetching: list[asyncio.Task[list[DetailResult]]]
    ) -> AnalysedBatch:
        details: list[DetailResult] = []
        outcomes: list[QualityOutcome] = []
        calls: list[tuple[list[Conversation], asyncio.Task[list[Analysis]]]] = []
        try:
            for task in fetching:  # each chunk is analysed as soon as its details are in
                chunk = await task
                details.extend(chunk)
                judged = [(d, self.stages.assess(d)) for d in chunk if isinstance(d, Conversation)]
                outcomes.extend(outcome for _, outcome in judged)
                kept = [c for c, outcome in judged if outcome.kept]
                if kept:
                    calls.append((kept, asyncio.create_task(self.stages.analyzer.analyze(kept))))
            by_id: dict[str, Analysis] = {}
            for kept, call in calls:
                analyses = await call
                if len(analyses) != len(kept):
                    raise ClassifierError(
                        f"the analyzer returned {len(analyses)} results for {len(kept)} conversations"
                    )
                by_id.update((c.id, a) for c, a in zip(kept, analyses, strict=True))
        finally:
            await cancel([*fetching, *(call for _, call in calls)])
        by_id = await asyncio.to_thread(keep_curated, self.store, self.source_name, plan.stored_before, by_id)
        listed_at = {item.id: item.updated_at for item in plan.fetch}
        skipped = [
            d if d.updated_at is not None else d.model_copy(update={"updated_at": listed_at.get(d.id)})
            for d in details
            if isinstance(d, Skipped)
        ]
        conversations = [d for d in details if isinstance(d, Conversation)]
        results = [
            ConversationResult(c, outcome, by_id.get(c.id) if outcome.kept else None)
            for c, outcome in zip(conversations, outcomes, strict=True)
        ]
        return AnalysedBatch(plan, results, skipped)

    async def _commit_batch(self, batch: AnalysedBatch) -> RunRow:
        """Write one batch with the run's counters and checkpoint; every batch before it is committed."""
        plan, results, skipped = batch.plan, batch.results, batch.skipped
        taken_back = RunCounts()
        if plan.replacing and not self.options.dry_run:
            skipped, taken_back = await asyncio.to_thread(self._replaced, plan.replacing, skipped)
        self.counts = self.counts.plus(self._batch_counts(plan, results, skipped)).minus(taken_back)
        self._extend_preview(results, skipped)
        start = checkpoints.restart_window(self.checkpoint) if plan.listed.restarted else self.checkpoint
        newest = max(item.updated_at for item, _ in plan.listed.items)
        self.checkpoint = checkpoints.commit_batch(start, plan.listed.last, newest)
        row = await asyncio.to_thread(self._commit, plan, results, skipped)
        if self.on_commit is not None:
            self.on_commit(row)
        return row

    def _replaced(self, ids: set[str], skipped: list[Skipped]) -> tuple[list[Skipped], RunCounts]:
        """What this run counted for the rows that newer versions of ``ids`` replace.

        A newer version that cannot be read does not replace a readable conversation: it is left
        out of ``skipped``, and its listing and fetch are taken back as if it had not been listed.
        """
        with self.store.read() as conn:
            previous = stored_outcomes(conn, self.source_name, sorted(ids), run_id=self.run_id)
            # Found unchanged before by this run: its listing then is taken back too.
            seen = len(seen_unchanged(conn, self.source_name, sorted(ids), run_id=self.run_id))
        unreadable = {r.id for r in skipped if r.id in previous and not previous[r.id].skipped}
        taken_back = RunCounts(listed=len(unreadable) + seen, fetched=len(unreadable), unchanged=seen)
        for record_id, outcome in previous.items():
            if record_id not in unreadable:
                taken_back = taken_back.plus(outcome_counts(outcome))
        return [r for r in skipped if r.id not in unreadable], taken_back

    def _batch_counts(
        self, batch: PlannedBatch, results: Sequence[ConversationResult], skipped: Sequence[Skipped]
    ) -> RunCounts:
        filtered_by_reason: dict[str, int] = {}
        analyses: list[Analysis] = []
        for result in results:
            if result.analysis is not None:
                analyses.append(result.analysis)
            elif not result.quality.kept:
                reason = result.quality.reason or "unspecified"
                filtered_by_reason[reason] = filtered_by_reason.get(reason, 0) + 1
        classifications = [a.classification for a in analyses]
        prompt = sum(k.prompt_tokens for k in classifications)
        completion = sum(k.completion_tokens for k in classifications)
        cached = sum(1 for k in classifications if k.cached)
        cost = (prompt * self.config.input_cost_per_1k + completion * self.config.output_cost_per_1k) / 1000
        return RunCounts(
            listed=len(batch.listed.items) - batch.revisits,
            unchanged=batch.unchanged,
            fetched=len(batch.fetch),
            skipped=len(skipped),
            filtered=sum(filtered_by_reason.values()),
            filtered_by_reason=filtered_by_reason,
            classified=sum(1 for k in classifications if k.status is ClassificationStatus.CLASSIFIED),
            failed=sum(1 for k in classifications if k.status is ClassificationStatus.FAILED),
            stored=0 if self.options.dry_run else len(results),
            themed=sum(1 for a in analyses if a.theme.signature is not None),
            unmatched=sum(1 for a in analyses if a.theme.signature is None),
            needs_review=sum(1 for k in classifications if k.needs_review),
            classifier_calls=len(classifications) - cached,
            cache_hits=cached,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=round(cost, 6),
            window_total=batch.listed.window_total or 0,
        )

    def _extend_preview(self, results: Sequence[ConversationResult], skipped: Sequence[Skipped]) -> None:
        if not self.options.dry_run:
            return
        room = self.config.preview_limit - len(self.preview)
        for result in results[: max(0, room)]:
            self.preview.append(preview_entry(result))
        room = self.config.preview_limit - len(self.preview)
        for record in skipped[: max(0, room)]:
            self.preview.append({"id": record.id, "updated_at": record.updated_at, "skipped": record.reason})

    def _commit(
        self, plan: PlannedBatch, results: Sequence[ConversationResult], skipped: Sequence[Skipped]
    ) -> RunRow:
        now = self.clock()
        values: dict[str, Any] = {
            "counts": self.counts.model_dump(),
            "checkpoint": self.checkpoint.model_dump(),
            "heartbeat_at": now,
            "phase": "processing",
        }
        if self.options.dry_run:
            values["preview"] = self.preview
        with self.store.write() as conn:
            if not self.options.dry_run:
                save_results(conn, self.source_name, self.run_id, now, results)
                drop_settled_members(conn, settled(self.source_name, results, plan.stored_before), now)
                save_skipped(conn, self.source_name, self.run_id, now, skipped)
                mark_unchanged(conn, self.source_name, self.run_id, plan.unchanged_ids)
            if not run_rows.update_run(conn, self.run_id, values, lease=self.claim.lease):
                raise RunTakenOverError(self.run_id)
            return run_rows.get_run(conn, self.run_id)


Staged = tuple[PlannedBatch, "asyncio.Task[Any]"] | BaseException | None
"""What flows between the stages: a batch with its task, the error that ended listing, or the end."""
Fetched = tuple[PlannedBatch, "list[asyncio.Task[list[DetailResult]]]"] | BaseException | None
"""A batch with the fetch tasks of its chunks, the error that ended listing, or the end."""
