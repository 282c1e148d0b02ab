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
over already (requests unpaced, into 429s). The offset is read from each response's ``Date``
header and resets are moved onto the local clock; offsets under :data:`SKEW_TOLERANCE` are the
header's one-second resolution and are not applied. A reset further ahead than
:data:`MAX_RESET_AHEAD` is not believed at all (a proxy's milliseconds read as seconds held every
request for millennia): pacing and a 429 go on as without one, and a warning says so once.
"""

from __future__ import annotations

import email.utils
import threading
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
"""Clock offsets (server minus local) smaller than this are not applied: ``Date`` has whole seconds."""
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
        self._measured: float | None = None
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
        with self._lock:
            now = self.clock.time()
            self._read_date(headers.get("Date"), now)
            if parsed is not None:
                local = self._local(parsed[2], now)
                parsed = None if local is None else (parsed[0], parsed[1], local)
            if parsed is None:
                # A server without rate-limit headers is not paced until it starts sending them.
                self._unpaced = self._limit is None
                return
            self._unpaced = False
            self._learn(*parsed, now=now)

    def rate_limited(self, reset_at: float | None, fallback_seconds: float) -> float:
        """A 429 arrived: hold every request until the reset (or the fallback). Returns the wait."""
        with self._lock:
            now = self.clock.time()
            reset_at = None if reset_at is None else self._local(reset_at, now)
            if reset_at is not None and reset_at > now:
                self._reset_at = reset_at
                self._remaining = 0
                until = reset_at
            else:
                until = now + fallback_seconds
            self._blocked_until = max(self._blocked_until, until)
            return self._blocked_until - now

    # --- state changes, called with the lock held ---------------------------------------------

    def _read_date(self, value: str | None, now: float) -> None:
        """The server's clock from ``Date`` (parsed once per second: the value changes that often)."""
        if not value or value == self._last_date:
            return
        self._last_date = value
        try:
            measured = email.utils.parsedate_to_datetime(value).timestamp() - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        # The header is cut to the second, so ``measured`` lags the offset by up to one: a reset
        # moved by it is late rather than early. A new value replaces the old only beyond that.
        if self._measured is None or abs(measured - self._measured) >= SKEW_TOLERANCE:
            self._measured = measured
            offset = measured if abs(measured) >= SKEW_TOLERANCE else 0.0
            if offset != self._offset:
                log.info("intercom_clock_offset", server_ahead_seconds=round(offset, 1))
            self._offset = offset

    def _local(self, reset_at: float, now: float) -> float | None:
        """A server's reset on this clock; None when it is too far ahead to believe."""
        local = reset_at - self._offset
        if local - now > MAX_RESET_AHEAD:
            if not self._doubted:
                self._doubted = True
                log.warning(
                    "intercom_rate_reset_not_believed",
                    reset_in_seconds=round(local - now),
                    hint="the rate-limit reset is not a UNIX time in seconds, or a clock is far off",
                )
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

    def _learn(self, limit: int, remaining: int, reset_at: float, *, now: float) -> None:
        self._limit = limit
        if self._last_header_reset is not None and reset_at - self._last_header_reset > _SAME_WINDOW:
            observed = reset_at - self._last_header_reset
            self._window = observed if self._window is None else min(self._window, observed)
        if self._last_header_reset is None or reset_at > self._last_header_reset:
            self._last_header_reset = reset_at
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
