"""Pacing from Intercom's rate-limit headers, shared by every request of the process.

Intercom announces its budget on every response: ``X-RateLimit-Limit`` requests per window,
``X-RateLimit-Remaining`` of them left, and ``X-RateLimit-Reset``, the UNIX time the window
ends. The limiter never assumes a rate of its own: it spreads the remaining budget evenly over
the time left until the reset, so a burst of concurrent detail fetches cannot spend the window
in its first second and then hit 429s. Each request reserves a start time under a lock; the
headers of each response correct the local estimate (another process using the same token
shows up as a lower ``Remaining``).

While nothing is known (first request, or a new window whose length has not been observed yet)
one request goes alone to learn the budget. A server that sends no rate-limit headers is not
paced.

The reset is the *server's* clock. A client whose clock is off by a few seconds read a window as
longer than it is (the budget spread thin: 45 s ahead made a backfill five times slower) or as
over already (requests unpaced, into 429s). Each response's ``Date`` gives a measure of the
offset that can only fall short of it (``Date`` is cut to the second and read after the answer
arrived), so the offset is the greatest measure of the last :data:`OFFSET_MEMORY` seconds, and it
moves resets onto the local clock when it reaches :data:`SKEW_TOLERANCE`. A ``Date`` that
disagrees with the same response's reset (not within :data:`MAX_RESET_AHEAD` before it) is not
used. Window lengths are learned from the server's resets as sent, so a new offset never changes
them. A reset further ahead than :data:`MAX_RESET_AHEAD` is not believed at all (a proxy's
milliseconds read as seconds held every request for millennia): pacing and a 429 go on as
without one, and a warning says so once.
"""

from __future__ import annotations

import email.utils
import threading
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

from convosift.logs import get_logger
from convosift.sources.intercom.clock import SYSTEM_CLOCK, Clock

log = get_logger(__name__)

LIMIT_HEADER = "X-RateLimit-Limit"
REMAINING_HEADER = "X-RateLimit-Remaining"
RESET_HEADER = "X-RateLimit-Reset"
# Reset times are whole seconds; two resets closer than this name the same window.
_SAME_WINDOW = 0.5
_PROBE_POLL_SECONDS = 0.01
SKEW_TOLERANCE = 2.0
"""Clock offsets (server minus local) smaller than this are not applied: ``Date`` has whole
seconds, and an answer's own time adds to that."""
OFFSET_MEMORY = 300.0
"""Seconds over which the greatest measure of the offset is kept (a clock that is reset is
followed after that long)."""
MAX_RESET_AHEAD = 300.0
"""Seconds: a reset further ahead than this, after the offset, is not believed. Intercom's windows
last 10 seconds."""


@dataclass(frozen=True)
class Budget:
    """What the limiter currently believes about the window (for logs and tests)."""

    limit: int | None
    remaining: float | None
    reset_at: float | None
    window_seconds: float | None
    blocked_until: float


def parse_rate_headers(headers: Mapping[str, str]) -> tuple[int, int, float] | None:
    """``(limit, remaining, reset_at)`` from response headers, or None when absent or unreadable."""
    try:
        limit = int(headers[LIMIT_HEADER])
        remaining = int(headers[REMAINING_HEADER])
        reset_at = float(headers[RESET_HEADER])
    except (KeyError, ValueError):
        return None
    if limit <= 0 or remaining < 0:
        return None
    return limit, remaining, reset_at


class RateLimiter:
    """Header-driven pacing; use one instance per API host and process (see :func:`shared_limiter`)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SYSTEM_CLOCK
        self._lock = threading.Lock()
        self._limit: int | None = None
        self._remaining: float | None = None
        self._reset_at: float | None = None
        self._window: float | None = None
        self._last_header_reset: float | None = None
        self._next_slot = 0.0
        self._blocked_until = 0.0
        self._outstanding = 0
        self._probing = False
        self._unpaced = False
        self._offset = 0.0
        """Seconds the server's clock is ahead of this one (0 within :data:`SKEW_TOLERANCE`)."""
        self._measures: deque[tuple[float, float]] = deque()
        """(local time, measure of the offset), the greatest measure last."""
        self._last_date: str | None = None
        self._doubted = False

    @property
    def budget(self) -> Budget:
        with self._lock:
            return Budget(self._limit, self._remaining, self._reset_at, self._window, self._blocked_until)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for this request's turn; hold the slot while the request is in flight."""
        while True:
            with self._lock:
                start_at, reserved, probe = self._reserve(self.clock.time())
            if reserved:
                break
            await self.clock.sleep(start_at - self.clock.time())
        try:
            delay = start_at - self.clock.time()
            if delay > 0:
                await self.clock.sleep(delay)
            yield
        finally:
            with self._lock:
                self._outstanding -= 1
                if probe:
                    self._probing = False

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the budget (and the server's clock) from a response's headers."""
        parsed = parse_rate_headers(headers)
        date = headers.get("Date")
        with self._lock:
            now = self.clock.time()
            before, doubted = self._offset, self._doubted
            if date and date != self._last_date:  # parsed once per second: it changes that often
                self._last_date = date
                self._measure(date, None if parsed is None else parsed[2], now)
            local = None if parsed is None else self._local(parsed[2], now)
            if parsed is None or local is None:
                # A server without rate-limit headers is not paced until it starts sending them.
                self._unpaced = self._limit is None
            else:
                self._unpaced = False
                self._learn(parsed[0], parsed[1], parsed[2], local, now=now)
            offset, newly_doubted = self._offset, self._doubted and not doubted
        self._report(before, offset, newly_doubted)

    def rate_limited(self, reset_at: float | None, fallback_seconds: float) -> float:
        """A 429 arrived: hold every request until the reset (or the fallback). Returns the wait."""
        with self._lock:
            now = self.clock.time()
            doubted = self._doubted
            reset_at = None if reset_at is None else self._local(reset_at, now)
            if reset_at is not None and reset_at > now:
                self._reset_at = reset_at
                self._remaining = 0
                until = reset_at
            else:
                until = now + fallback_seconds
            self._blocked_until = max(self._blocked_until, until)
            wait = self._blocked_until - now
            newly_doubted = self._doubted and not doubted
        self._report(self._offset, self._offset, newly_doubted)
        return wait

    @staticmethod
    def _report(before: float, offset: float, doubted: bool) -> None:
        """Log what changed, outside the lock."""
        if offset != before:
            log.info("intercom_clock_offset", server_ahead_seconds=round(offset, 1))
        if doubted:
            log.warning(
                "intercom_rate_reset_not_believed",
                hint="the rate-limit reset is not a UNIX time in seconds, or a clock is far off",
            )

    # --- state changes, called with the lock held ---------------------------------------------

    def _measure(self, date: str, reset_at: float | None, now: float) -> None:
        """One more measure of the offset from ``Date``; the offset is the greatest kept."""
        try:
            sent = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        if sent.tzinfo is None:
            return  # no zone ("-0000"): not a time to compare with
        server_now = sent.timestamp()
        if reset_at is not None and not -MAX_RESET_AHEAD <= reset_at - server_now <= MAX_RESET_AHEAD:
            return  # the Date disagrees with the reset beside it: one of them is not this clock
        measures = self._measures
        while measures and measures[0][0] < now - OFFSET_MEMORY:
            measures.popleft()
        measure = server_now - now
        # Only the greatest matters: drop smaller measures kept before this one.
        while measures and measures[-1][1] <= measure:
            measures.pop()
        measures.append((now, measure))
        greatest = measures[0][1]
        self._offset = greatest if abs(greatest) >= SKEW_TOLERANCE else 0.0

    def _local(self, reset_at: float, now: float) -> float | None:
        """A server's reset on this clock; None when it is too far ahead to believe."""
        local = reset_at - self._offset
        if local - now > MAX_RESET_AHEAD:
            self._doubted = True
            return None
        return local

    def _reserve(self, now: float) -> tuple[float, bool, bool]:
        """``(start_at, reserved, probe)``: when to start, or when to ask again if not reserved."""
        if now < self._blocked_until:
            return self._blocked_until, False, False
        if self._reset_at is not None and now >= self._reset_at:
            self._roll(now)
        if self._unpaced:
            return self._take(now, probe=False)
        if self._remaining is None or self._reset_at is None:
            if self._probing:
                return now + _PROBE_POLL_SECONDS, False, False
            self._probing = True
            return self._take(now, probe=True)
        if self._remaining < 1:
            return self._reset_at, False, False
        start = max(now, self._next_slot)
        if start >= self._reset_at:
            return self._reset_at, False, False
        self._next_slot = start + (self._reset_at - start) / self._remaining
        self._remaining -= 1
        return self._take(start, probe=False)

    def _take(self, start: float, *, probe: bool) -> tuple[float, bool, bool]:
        self._outstanding += 1
        return start, True, probe

    def _roll(self, now: float) -> None:
        """The window we knew ended: assume the next one, or probe when its length is unknown."""
        boundary = self._reset_at or now
        if self._window is not None and self._limit is not None:
            reset_at = boundary
            while reset_at <= now:
                reset_at += self._window
            self._reset_at = reset_at
            # Requests still in flight may land in the new window: count them against it.
            self._remaining = float(self._limit - self._outstanding)
        else:
            self._reset_at = None
            self._remaining = None
        self._next_slot = boundary

    def _learn(self, limit: int, remaining: int, sent_reset: float, reset_at: float, *, now: float) -> None:
        """``sent_reset`` as the server sent it (window lengths are learned from those, so a new
        offset never changes them), ``reset_at`` on the local clock."""
        self._limit = limit
        if self._last_header_reset is not None and sent_reset - self._last_header_reset > _SAME_WINDOW:
            observed = sent_reset - self._last_header_reset
            self._window = observed if self._window is None else min(self._window, observed)
        if self._last_header_reset is None or sent_reset > self._last_header_reset:
            self._last_header_reset = sent_reset
        if reset_at <= now:
            return  # this response belongs to a window that is already over
        # The server has not yet counted the other requests this process has reserved.
        estimate = float(remaining - max(0, self._outstanding - 1))
        if self._reset_at is None or self._remaining is None or abs(reset_at - self._reset_at) > _SAME_WINDOW:
            self._reset_at = reset_at
            self._remaining = estimate
            # The request that brought this news took a slot of the spread too.
            self._next_slot = max(self._next_slot, now + (reset_at - now) / max(1.0, estimate + 1))
        else:
            self._remaining = min(self._remaining, estimate)


_shared: dict[str, RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(base_url: str) -> RateLimiter:
    """The process-wide limiter of one API host (every source and thread talking to it shares it)."""
    key = base_url.rstrip("/")
    with _shared_lock:
        if key not in _shared:
            _shared[key] = RateLimiter()
        return _shared[key]
