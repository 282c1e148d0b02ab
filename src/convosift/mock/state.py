"""What the local Intercom-compatible server knows and does, independent of HTTP.

One :class:`MockIntercomState` holds the planned inbox, the changes made since it started
(updated conversations, deletions), the cursors it handed out, the rate-limit window, the
injected faults and the counters tests read. Every public method is thread-safe: tests call
them from their own thread while the server runs in another.
"""

from __future__ import annotations

import bisect
import math
import random
import secrets
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from convosift.mock.inbox import Inbox
from convosift.mock.plan import Plan
from convosift.mock.render import customer_comment
from convosift.mock.search_query import SearchRequest, SortSpec

Json = dict[str, Any]
RATE_WINDOW_SECONDS = 10
_MAX_CURSORS = 200_000
_CACHED_RESULTS = 8


@dataclass
class MockIntercomConfig:
    """How the local server behaves. Defaults: a small, fast, well-behaved inbox."""

    conversations: int = 120
    seed: int = 7
    days_span: int = 365
    rate_limit: int | None = None
    """Requests allowed per window (None: unlimited)."""
    rate_window_seconds: int = RATE_WINDOW_SECONDS
    """Length of a rate-limit window; Intercom's is 10 seconds (shorter ones make tests quick)."""
    latency_ms: int = 0
    fault_rate: float = 0.0
    """Share of requests answered with a random 500/502/503."""
    cursor_ttl: float | None = None
    """Seconds a search cursor stays valid (None: until :meth:`MockIntercomState.expire_cursors`)."""
    token: str | None = "test-token"  # noqa: S105 - the local server's well-known default
    """The accepted bearer token; None accepts any request."""
    mutate_per_minute: float = 0.0
    """Background updates: conversations that get a new customer comment per minute."""
    now: int | None = None
    """The inbox's "now" (UNIX seconds); None: the time the server starts."""
    hang_rate: float = 0.0
    """Share of requests that stall for ``hang_seconds`` before answering (client timeouts)."""
    hang_seconds: float = 30.0
    truncate_rate: float = 0.0
    """Share of successful responses whose JSON body is cut in half."""
    fault_burst: int = 0
    """The first N requests are answered 503."""
    omit_reset_on_429: bool = False
    """Send 429 responses without an ``X-RateLimit-Reset`` header."""
    port: int = 0
    host: str = "127.0.0.1"


class CursorError(Exception):
    """``starting_after`` is unknown, expired or belongs to a different sort."""

    def __init__(self, message: str, *, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


class NotFound(Exception):
    """No conversation has this id (or it was deleted)."""


@dataclass(frozen=True)
class _Cursor:
    after: tuple[Any, ...]
    page: int
    sort: SortSpec
    epoch: int
    issued_at: float


@dataclass
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset: int


@dataclass
class Faults:
    rate: float = 0.0
    burst: int = 0
    hang_rate: float = 0.0
    hang_seconds: float = 30.0
    truncate_rate: float = 0.0
    omit_reset_on_429: bool = False


@dataclass
class _Changes:
    updated_at: dict[str, int] = field(default_factory=dict)
    extra_parts: dict[str, list[Json]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    version: int = 0


_Match = tuple[tuple[Any, ...], Plan]
"""A search hit: its sort key and its conversation."""


class _Row:
    """A conversation as the query evaluator sees it; renders only for uncommon fields."""

    __slots__ = ("_summary", "_updated_at", "_view", "plan")

    def __init__(self, plan: Plan, updated_at: int, view: Callable[[Plan], Json]) -> None:
        self.plan, self._updated_at, self._view = plan, updated_at, view
        self._summary: Json | None = None

    def get(self, name: str) -> Any:
        plan = self.plan
        if name == "updated_at":
            return self._updated_at
        if name == "created_at":
            return plan.created_at
        if name == "id":
            return plan.id
        if name == "state":
            return plan.state
        if name == "open":
            return plan.state != "closed"
        if name == "source.author.type":
            return plan.author_type
        if name == "source.delivered_as":
            return plan.delivered_as
        if self._summary is None:
            self._summary = self._view(plan)
        return _lookup(self._summary, name)


def _lookup(conversation: Json, name: str) -> Any:
    if name == "contact_ids":
        return [c["id"] for c in conversation["contacts"]["contacts"]]
    if name == "teammate_ids":
        return [t["id"] for t in (conversation["teammates"] or {}).get("teammates", [])]
    if name == "tag_ids":
        return [t["id"] for t in conversation["tags"]["tags"]]
    if name == "channel_initiated":
        return conversation["source"]["type"]
    value: Any = conversation
    for key in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


class MockIntercomState:
    def __init__(self, config: MockIntercomConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.inbox = Inbox(config.conversations, config.seed, config.days_span, config.now)
        self.stats: Counter[str] = Counter()
        self.faults = Faults(
            rate=config.fault_rate,
            burst=config.fault_burst,
            hang_rate=config.hang_rate,
            hang_seconds=config.hang_seconds,
            truncate_rate=config.truncate_rate,
            omit_reset_on_429=config.omit_reset_on_429,
        )
        self._lock = threading.Lock()
        self._random = random.Random(config.seed)
        self._changes = _Changes()
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._epoch = 0
        self._results: OrderedDict[tuple[str, SortSpec, int], list[_Match]] = OrderedDict()
        self._window = (0, 0)

    # --- changes while clients read ---------------------------------------------------------------

    def mutate(self, ids: list[str] | None = None, count: int | None = None) -> list[str]:
        """Give conversations a new customer comment and bump ``updated_at`` to now; returns their ids."""
        with self._lock:
            changes = self._changes
            if ids is None:
                alive = [p.id for p in self.inbox.plans if p.id not in changes.deleted]
                ids = self._random.sample(alive, min(count or 1, len(alive)))
            for conversation_id in ids:
                plan = self._plan(conversation_id)
                previous = changes.updated_at.get(plan.id, plan.updated_at)
                now = max(int(self.clock()), previous + 1)
                extras = changes.extra_parts.setdefault(plan.id, [])
                extras.append(customer_comment(plan, self.inbox.seed, len(extras), now))
                changes.updated_at[plan.id] = now
            changes.version += 1
            self.stats["mutations"] += len(ids)
            return list(ids)

    def delete(self, conversation_id: str) -> None:
        with self._lock:
            self._plan(conversation_id)
            self._changes.deleted.add(conversation_id)
            self._changes.version += 1

    def expire_cursors(self) -> None:
        """Invalidate every cursor handed out so far."""
        with self._lock:
            self._epoch += 1

    def set_faults(self, **changes: Any) -> None:
        """Change fault injection at run time: ``rate``, ``burst``, ``hang_rate``, ``truncate_rate``..."""
        with self._lock:
            for name, value in changes.items():
                if not hasattr(self.faults, name):
                    raise TypeError(f"unknown fault setting {name!r}")
                setattr(self.faults, name, value)

    def updated_at(self, conversation_id: str) -> int:
        with self._lock:
            plan = self._plan(conversation_id)
            return self._changes.updated_at.get(plan.id, plan.updated_at)

    # --- reading -----------------------------------------------------------------------------------

    def retrieve(self, conversation_id: str, *, plaintext: bool = False) -> Json:
        with self._lock:
            plan = self._plan(conversation_id)
            updated_at = self._changes.updated_at.get(plan.id)
            extras = list(self._changes.extra_parts.get(plan.id, ()))
        return self.inbox.render(plan, updated_at=updated_at, extra_parts=extras, plaintext=plaintext)

    def search(self, request: SearchRequest) -> Json:
        with self._lock:
            cursor = self._cursor(request) if request.starting_after else None
            rows = self._matching(request)
            start = bisect.bisect_right(rows, cursor.after, key=lambda row: row[0]) if cursor else 0
            page_rows = rows[start : start + request.per_page]
            page = cursor.page + 1 if cursor else 1
            pages: Json = {
                "type": "pages",
                "page": page,
                "per_page": request.per_page,
                "total_pages": math.ceil(len(rows) / request.per_page),
            }
            if start + request.per_page < len(rows):
                token = self._issue_cursor(
                    _Cursor(
                        after=page_rows[-1][0],
                        page=page,
                        sort=request.sort,
                        epoch=self._epoch,
                        issued_at=self.clock(),
                    )
                )
                pages["next"] = {"page": page + 1, "starting_after": token}
            changes = self._changes
            views = [
                (plan, changes.updated_at.get(plan.id), list(changes.extra_parts.get(plan.id, ())))
                for _, plan in page_rows
            ]
        conversations = [
            self.inbox.render(plan, updated_at=updated, extra_parts=extras, with_parts=False)
            for plan, updated, extras in views
        ]
        return {
            "type": "conversation.list",
            "pages": pages,
            "total_count": len(rows),
            "conversations": conversations,
        }

    # --- rate limit --------------------------------------------------------------------------------

    def admit(self) -> RateDecision:
        """Count a request in the current window (fixed, aligned on the clock), Intercom style."""
        limit, length = self.config.rate_limit, self.config.rate_window_seconds
        window = int(self.clock() // length)
        reset = (window + 1) * length
        if limit is None:
            return RateDecision(True, 10_000, 10_000, reset)
        with self._lock:
            start, used = self._window
            if start != window:
                start, used = window, 0
            allowed = used < limit
            if allowed:
                used += 1
            self._window = (start, used)
        return RateDecision(allowed, limit, max(0, limit - used), reset)

    def draw_fault(self) -> str | None:
        """Which fault, if any, this request gets: ``burst``, ``error``, ``hang`` or ``truncate``."""
        with self._lock:
            faults = self.faults
            if faults.burst > 0:
                faults.burst -= 1
                return "burst"
            roll = self._random.random()
            if roll < faults.rate:
                return "error"
            if roll < faults.rate + faults.hang_rate:
                return "hang"
            if roll < faults.rate + faults.hang_rate + faults.truncate_rate:
                return "truncate"
            return None

    def random_choice(self, options: tuple[int, ...]) -> int:
        with self._lock:
            return self._random.choice(options)

    # --- internals (lock held) -----------------------------------------------------------------------

    def _plan(self, conversation_id: str) -> Plan:
        plan = self.inbox.by_id.get(conversation_id)
        if plan is None or conversation_id in self._changes.deleted:
            raise NotFound(conversation_id)
        return plan

    def _summary(self, plan: Plan) -> Json:
        return self.inbox.render(
            plan,
            updated_at=self._changes.updated_at.get(plan.id),
            extra_parts=self._changes.extra_parts.get(plan.id, ()),
            with_parts=False,
        )

    def _matching(self, request: SearchRequest) -> list[_Match]:
        cache_key = (request.query_key, request.sort, self._changes.version)
        cached = self._results.get(cache_key)
        if cached is not None:
            self._results.move_to_end(cache_key)
            return cached
        changes, sort = self._changes, request.sort
        matched = []
        for plan in self.inbox.plans:
            if plan.id in changes.deleted:
                continue
            row = _Row(plan, changes.updated_at.get(plan.id, plan.updated_at), self._summary)
            if request.predicate(row):
                matched.append((_sort_key(row, sort), plan))
        matched.sort(key=lambda item: item[0])
        self._results[cache_key] = matched
        if len(self._results) > _CACHED_RESULTS:
            self._results.popitem(last=False)
        return matched

    def _cursor(self, request: SearchRequest) -> _Cursor:
        assert request.starting_after is not None
        cursor = self._cursors.get(request.starting_after)
        if cursor is None or cursor.sort != request.sort:
            raise CursorError("unknown cursor", expired=False)
        ttl = self.config.cursor_ttl
        if cursor.epoch != self._epoch or (ttl is not None and self.clock() - cursor.issued_at > ttl):
            raise CursorError("expired cursor", expired=True)
        return cursor

    def _issue_cursor(self, cursor: _Cursor) -> str:
        token = secrets.token_urlsafe(24)
        self._cursors[token] = cursor
        if len(self._cursors) > _MAX_CURSORS:
            self._cursors.popitem(last=False)
        return token


def _sort_key(row: _Row, sort: SortSpec) -> tuple[Any, ...]:
    value = row.get(sort.field)
    number = int(value) if value is not None else -1
    conversation_id = int(row.plan.id)
    return (-number, -conversation_id) if sort.descending else (number, conversation_id)
