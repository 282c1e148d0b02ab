"""How many LLM requests are in flight at once, adapted to what the endpoint can take (AIMD).

Hosted APIs allow many concurrent requests, local servers few, and neither says how many. The
limit starts at ``llm_concurrency`` and moves within ``[1, llm_max_concurrency]``:

- **Multiplicative decrease**: a congestion signal (429, 503, a timeout) halves it, once per
  *congestion episode*. A request granted before the last decrease belongs to the episode that
  decrease already answered, so a burst of 429s from one window halves the limit once, not down
  to 1 (TCP's recovery point, counted in decreases instead of bytes).
- **Additive increase**: after a window of successes as large as the limit, it grows by one if
  the window's median latency is within :data:`LATENCY_TOLERANCE` of the lowest latency seen and
  every slot was busy at some point of the window. Rising latency means the endpoint queues the
  extra requests (Vegas), so the limit holds; a limit that was never full has not been tested,
  so it does not grow either (a small batch leaves it where it is).

The clock is injected, so the rules are tested without waiting. One limiter serves every batch
an analyzer handles at once; waiting requests are granted in arrival order.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from convosift.logs import get_logger

Clock = Callable[[], float]
"""Monotonic seconds."""

LATENCY_TOLERANCE = 2.0
"""The limit grows only while the median latency stays within this factor of the lowest seen."""

log = get_logger(__name__)


@dataclass(frozen=True)
class Permit:
    """One granted slot: when it was granted, and how many decreases had happened by then."""

    started: float
    episode: int


class AdaptiveLimiter:
    """A semaphore whose size follows the endpoint: ``async with limiter.permit() as permit``.

    Report each outcome with :meth:`success` (latency is measured from the grant) or
    :meth:`congestion`; a permit released without a report (another error) changes nothing.
    """

    def __init__(self, initial: int, maximum: int, *, clock: Clock = time.monotonic) -> None:
        if not 1 <= initial <= maximum:
            raise ValueError(f"need 1 <= initial <= maximum, got {initial} and {maximum}")
        self._limit = initial
        self._maximum = maximum
        self._clock = clock
        self._in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._episode = 0
        self._baseline: float | None = None
        self._window: list[float] = []
        self._window_full = False
        """Every slot was busy at some point of the window: the limit was really in use."""

    @property
    def limit(self) -> int:
        """Requests allowed in flight now."""
        return self._limit

    @property
    def maximum(self) -> int:
        return self._maximum

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def baseline_latency(self) -> float | None:
        """The lowest latency of a successful request so far, in seconds."""
        return self._baseline

    @asynccontextmanager
    async def permit(self) -> AsyncIterator[Permit]:
        """Wait for a free slot; it is released on exit, whatever happens inside."""
        granted = await self.acquire()
        try:
            yield granted
        finally:
            self.release()

    async def acquire(self) -> Permit:
        """Wait (in arrival order) until fewer than ``limit`` requests are in flight, then take a slot."""
        if not self._waiters and self._in_flight < self._limit:
            self._take()
        else:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    # Granted, then cancelled before it could run: hand the slot on.
                    self.release()
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise
        return Permit(started=self._clock(), episode=self._episode)

    def release(self) -> None:
        """Give a slot back (``permit()`` does it for you)."""
        self._in_flight -= 1
        self._grant_waiters()

    def success(self, permit: Permit) -> None:
        """The request answered; its latency may let the limit grow by one."""
        latency = max(0.0, self._clock() - permit.started)
        if self._baseline is None or latency < self._baseline:
            self._baseline = latency
        if permit.episode != self._episode:
            return  # it measured a limit that no longer holds
        self._window.append(latency)
        if len(self._window) < self._limit:
            return
        median = statistics.median(self._window)
        grow = (
            self._window_full and self._limit < self._maximum and median <= LATENCY_TOLERANCE * self._baseline
        )
        if grow:
            self._change(self._limit + 1, reason="latency_holds", median_latency=round(median, 3))
        else:
            self._new_window()

    def congestion(self, permit: Permit) -> None:
        """The endpoint pushed back (429, 503, timeout): halve the limit, once per episode."""
        self._new_window()
        if permit.episode != self._episode:
            return  # sent before the last decrease: that decrease already answered it
        self._episode += 1
        if self._limit > 1:
            self._change(max(1, self._limit // 2), reason="congestion")

    def _change(self, limit: int, *, reason: str, **details: float) -> None:
        log.info(
            "llm_concurrency_changed",
            previous=self._limit,
            limit=limit,
            reason=reason,
            in_flight=self._in_flight,
            **details,
        )
        self._limit = limit
        self._new_window()
        self._grant_waiters()

    def _new_window(self) -> None:
        self._window.clear()
        self._window_full = self._in_flight >= self._limit

    def _take(self) -> None:
        self._in_flight += 1
        if self._in_flight >= self._limit:
            self._window_full = True

    def _grant_waiters(self) -> None:
        # The slot is counted when granted, not when the waiter wakes, so nobody barges in between.
        while self._waiters and self._in_flight < self._limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self._take()
                waiter.set_result(None)
