"""Plain typed records shared by every stage. No I/O here.

Timestamps are UNIX seconds (``int``), as Intercom sends them. Records are immutable pydantic
models so they can be serialised to JSON (checkpoints, previews, exports) without ceremony.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from convosift.replies import customer_part


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Message(Record):
    """One conversation part (or the opening message), text already stripped of HTML."""

    id: str
    part_type: str
    author_type: str
    body: str
    created_at: int | None = None


class Conversation(Record):
    """A conversation normalised from any source."""

    id: str
    created_at: int
    updated_at: int
    state: str | None = None
    author_type: str = "user"
    """Type of the author of the opening message (``source.author.type``): user, lead, admin, bot..."""
    delivered_as: str | None = None
    subject: str | None = None
    url: str | None = None
    """``source.url``: the page the customer wrote from."""
    contact_id: str | None = None
    tags: tuple[str, ...] = ()
    opener: str = ""
    """Text of the opening message (``source.body``), HTML stripped."""
    messages: tuple[Message, ...] = ()
    """Conversation parts in order (comments, notes, assignments...)."""
    parts_count: int = 0
    """``statistics``/``conversation_parts.total_count``: how many parts Intercom holds."""
    parts_truncated: bool = False
    """True when Intercom returned fewer parts than it holds (the 500-part cap)."""
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def customer_messages(self) -> list[str]:
        """Customer-visible text written by the customer: the opener and user/lead/contact comments,
        each in its own words (:func:`convosift.replies.customer_part`: an e-mail without the history
        it quotes, its signature and notices). A message with nothing of its own is left out."""
        texts = [self.opener] if self.author_type in CUSTOMER_AUTHOR_TYPES and self.opener else []
        texts += [
            m.body
            for m in self.messages
            if m.author_type in CUSTOMER_AUTHOR_TYPES and m.part_type in CUSTOMER_PART_TYPES and m.body
        ]
        return [own for own in map(customer_part, texts) if own]

    @property
    def customer_text(self) -> str:
        """All customer-written text joined, the input of classification and theme matching."""
        return "\n".join(self.customer_messages)


CUSTOMER_AUTHOR_TYPES = frozenset(
    {"user", "lead", "contact", "customer", "end-user", "end_user", "requester"}
)
"""Intercom's authors of customer messages, and the names other help desks' exports give them."""
CUSTOMER_PART_TYPES = frozenset({"comment", "conversation", "open"})


EARLIEST_TIMESTAMP = 631_152_000
"""1990-01-01 UTC: no help desk conversation is older; an earlier time is a broken record."""
LATEST_TIMESTAMP = 4_102_444_800
"""2100-01-01 UTC: a later time is a broken record (and may not fit a database integer)."""


def is_sane_timestamp(seconds: int) -> bool:
    """Whether a conversation's time lies in ``[1990, 2100)``, the range the sources accept."""
    return EARLIEST_TIMESTAMP <= seconds < LATEST_TIMESTAMP


class Window(Record):
    """A half-open time window ``[since, until)`` on ``updated_at``, UNIX seconds."""

    since: int
    until: int


class ListedItem(Record):
    """One search result: enough to decide whether the conversation needs fetching."""

    id: str
    updated_at: int
    created_at: int | None = None


class Page(Record):
    """One page of search results.

    ``cursor`` is the cursor that produced this page (None for the first page of a window);
    ``next_cursor`` is None on the last page.
    """

    items: tuple[ListedItem, ...]
    cursor: str | None
    next_cursor: str | None
    total: int | None = None
    """How many results the whole search holds, when the source says (for progress and ETA)."""


SKIP_REASONS = ("malformed", "too_large", "too_deep", "out_of_range", "gone")
"""Why a record could not be read (docs/backfill.md, "Skipped records")."""


class Skipped(Record):
    """A conversation that could not be read (malformed payload, gone, over a size limit)."""

    id: str
    reason: str
    detail: str = ""
    updated_at: int | None = None


class QualityOutcome(Record):
    kept: bool
    reason: str | None = None
    """Why it was dropped (a reason code of :mod:`convosift.filtering`), or how it was kept."""


class ClassificationStatus(StrEnum):
    CLASSIFIED = "classified"
    FAILED = "failed"
    UNCLASSIFIED = "unclassified"


class Classification(Record):
    status: ClassificationStatus
    category: str | None = None
    """None unless ``status`` is classified. A failure is never stored as a category."""
    confidence: float = 0.0
    classifier: str = ""
    model: str = ""
    needs_review: bool = False
    error: str | None = None
    cached: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ThemeMatch(Record):
    signature: str | None
    """The matched theme, or None for unmatched."""
    score: float = 0.0
    evidence: str | None = None
    matcher: str = ""
    proposed_signature: str | None = None
    """A new theme an LLM matcher suggests when nothing in the vocabulary fits."""


class Analysis(Record):
    """What the classify-and-match stage returns for one conversation."""

    classification: Classification
    theme: ThemeMatch


class Checkpoint(Record):
    """Where a run resumes: the page holding the next unprocessed item and how far into it.

    ``page_cursor`` produced the page (None = first page of the window); ``page_offset`` items
    of that page are already committed. ``watermark`` is the highest ``updated_at`` committed;
    ``batches`` counts committed batches. Changed only through :mod:`convosift.pipeline.checkpoint`.
    """

    version: int = 1
    page_cursor: str | None = None
    page_offset: int = 0
    watermark: int | None = None
    batches: int = 0


class RunCounts(Record):
    """Counters with one meaning everywhere (see docs/backfill.md)."""

    listed: int = 0
    unchanged: int = 0
    fetched: int = 0
    skipped: int = 0
    filtered: int = 0
    filtered_by_reason: dict[str, int] = Field(default_factory=dict)
    classified: int = 0
    failed: int = 0
    stored: int = 0
    themed: int = 0
    unmatched: int = 0
    needs_review: int = 0
    classifier_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    window_total: int = 0
    """Conversations the source reports in the run's window (an estimate for progress; not summed)."""

    def plus(self, other: RunCounts) -> RunCounts:
        """Field-wise sum (reason breakdowns merged)."""
        values: dict[str, Any] = {}
        for name in type(self).model_fields:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, dict):
                merged = dict(mine)
                for key, count in theirs.items():
                    merged[key] = merged.get(key, 0) + count
                values[name] = dict(sorted(merged.items()))
            else:
                values[name] = mine + theirs
        values["cost_usd"] = round(values["cost_usd"], 6)
        values["window_total"] = other.window_total or self.window_total
        return RunCounts(**values)

    def minus(self, other: RunCounts) -> RunCounts:
        """Field-wise difference, for taking back what a row replaced in this run had counted."""
        negated: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(other, name)
            negated[name] = (
                {key: -count for key, count in value.items()} if isinstance(value, dict) else -value
            )
        difference = self.plus(RunCounts(**{**negated, "window_total": 0}))
        reasons = {key: count for key, count in difference.filtered_by_reason.items() if count}
        return difference.model_copy(update={"filtered_by_reason": reasons})


class RunKind(StrEnum):
    BACKFILL = "backfill"
    SYNC = "sync"


class RunStatus(StrEnum):
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        return self in (RunStatus.RUNNING, RunStatus.STOPPING)

    @property
    def resumable(self) -> bool:
        return self in (RunStatus.STOPPED, RunStatus.FAILED, RunStatus.RUNNING, RunStatus.STOPPING)
