"""Pacing, deterministically: a fixed-window server simulated on a fake clock."""

from __future__ import annotations

import email.utils
import itertools
import math
import random
from collections.abc import Callable

import pytest
from source_fakes import START, FakeClock

from convosift.sources.intercom.ratelimit import RateLimiter, parse_rate_headers, shared_limiter


class WindowServer:
    """Counts requests per fixed window as Intercom does and answers with its headers."""

    def __init__(
        self, clock: FakeClock, limit: int, window: float = 10.0, skew: float = 0.0, date_error: float = 0.0
    ) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self.skew = skew
        """How far the server's clock is ahead of the client's (its resets and ``Date`` say so)."""
        self.date_error = date_error
        """How far ``Date`` alone is off (a front end whose clock is not the rate limiter's)."""
        self.counts: dict[int, int] = {}
        self.rejected = 0

    def handle(self) -> tuple[int, dict[str, str]]:
        now = self.clock.time() + self.skew
        index = math.floor(now / self.window)
        used = self.counts.get(index, 0)
        headers = {
            "Date": email.utils.formatdate(now + self.date_error, usegmt=True),
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Reset": str(int((index + 1) * self.window)),
        }
        if used >= self.limit:
            self.rejected += 1
            return 429, headers | {"X-RateLimit-Remaining": "0"}
        self.counts[index] = used + 1
        return 200, headers | {"X-RateLimit-Remaining": str(self.limit - used - 1)}


async def run_requests(
    limiter: RateLimiter, server: WindowServer, count: int, latency: Callable[[], float] = lambda: 0.0
) -> list[float]:
    """``latency``: seconds between the server's answer and the client reading its headers."""
    starts = []
    done = 0
    while done < count:
        async with limiter.slot():
            starts.append(limiter.clock.time())
            status, headers = server.handle()
            await limiter.clock.sleep(latency())
            limiter.observe(headers)
        if status == 429:
            limiter.rate_limited(float(headers["X-RateLimit-Reset"]), fallback_seconds=1.0)
        else:
            done += 1
    return starts


async def test_paces_to_the_announced_budget_without_a_single_429(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    server = WindowServer(clock, limit=20)
    starts = await run_requests(limiter, server, 200)
    assert server.rejected == 0
    assert max(server.counts.values()) <= 20
    elapsed = starts[-1] - START
    # 200 requests at 20 per 10 s need about 100 s; pacing must not waste much of the budget.
    assert 90 <= elapsed <= 110


@pytest.mark.parametrize("skew", [-45.0, -7.0, 7.0, 45.0])
async def test_a_server_clock_ahead_or_behind_is_paced_as_well(clock: FakeClock, skew: float) -> None:
    """Resets are the server's UNIX times. A server clock ahead made every window look longer, so
    the budget was spread thin; one behind made every window look over, so requests went unpaced
    into 429s. The offset is read from the ``Date`` header."""
    limiter = RateLimiter(clock)
    server = WindowServer(clock, limit=20, skew=skew)
    starts = await run_requests(limiter, server, 200)
    assert server.rejected <= 2
    assert max(server.counts.values()) <= 20
    assert 90 <= starts[-1] - START <= 115


async def test_slow_answers_and_a_date_off_by_itself_do_not_unsettle_the_pacing(clock: FakeClock) -> None:
    """Headers read up to 3 s after they were sent (a long body) gave measures of the offset that
    jumped, and a ``Date`` an hour off from the resets beside it made every reset look past; the
    window learned shrank from 10 s towards nothing, and requests went into 429s."""
    draws = random.Random(3)
    for skew, date_error in ((7.0, 0.0), (0.0, 3600.0), (0.0, -3600.0), (-30.0, 0.0)):
        limiter = RateLimiter(clock)
        server = WindowServer(clock, limit=20, skew=skew, date_error=date_error)
        # One request at a time here, each waiting for its answer: the run takes as long as the
        # answers do, so only the 429s and the window learned tell good pacing from bad.
        await run_requests(limiter, server, 200, latency=lambda: draws.uniform(0.0, 3.0))
        assert server.rejected <= 2, (skew, date_error)
        assert limiter.budget.window_seconds == 10, (skew, date_error)


async def test_a_date_without_a_zone_is_not_a_clock(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    reset = str(int(START) + 10)
    headers = {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9", "X-RateLimit-Reset": reset}
    async with limiter.slot():
        limiter.observe(headers | {"Date": email.utils.formatdate(START + 40)[:-5] + "-0000"})
    assert limiter.budget.reset_at == START + 10


async def test_a_reset_no_window_is_that_long_is_not_waited_for(clock: FakeClock) -> None:
    """A reset in milliseconds (a proxy's), read as seconds, held every request for 50,000 years,
    silently. Such a reset is not believed: a 429 backs off as without one, and pacing as without
    headers."""
    limiter = RateLimiter(clock)
    far = str(START * 1000)
    assert limiter.rate_limited(float(far), fallback_seconds=2.0) == 2.0
    for _ in range(5):
        async with limiter.slot():
            limiter.observe(
                {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "9", "X-RateLimit-Reset": far}
            )
    assert clock.time() <= START + 2.5
    assert limiter.budget.reset_at is None


async def test_requests_are_spread_over_the_window_not_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    server = WindowServer(clock, limit=10)
    starts = await run_requests(limiter, server, 30)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # After the first answer, no two requests go out back to back: the budget is spread.
    assert min(gaps) > 0.3
    assert server.rejected == 0


async def test_a_lower_remaining_from_another_process_slows_down(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    reset = START + 10
    async with limiter.slot():
        limiter.observe(
            {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "99", "X-RateLimit-Reset": str(reset)}
        )
    async with limiter.slot():
        limiter.observe(
            {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "4", "X-RateLimit-Reset": str(reset)}
        )
    budget = limiter.budget
    assert budget.remaining is not None and budget.remaining <= 4


async def test_after_a_429_every_request_waits_for_the_reset(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    wait = limiter.rate_limited(START + 7, fallback_seconds=1.0)
    assert wait == 7
    async with limiter.slot():
        assert clock.time() >= START + 7


async def test_a_429_without_reset_header_backs_off(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    assert limiter.rate_limited(None, fallback_seconds=2.5) == 2.5
    async with limiter.slot():
        assert clock.time() >= START + 2.5


async def test_a_server_without_rate_headers_is_not_paced(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    for _ in range(50):
        async with limiter.slot():
            limiter.observe({})
    assert clock.sleeps == []


async def test_window_length_is_learned_from_successive_resets(clock: FakeClock) -> None:
    limiter = RateLimiter(clock)
    server = WindowServer(clock, limit=5)
    await run_requests(limiter, server, 12)
    assert limiter.budget.window_seconds == 10


def test_header_parsing() -> None:
    assert parse_rate_headers(
        {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "17"}
    ) == (
        10,
        3,
        17.0,
    )
    assert (
        parse_rate_headers(
            {"X-RateLimit-Limit": "ten", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1"}
        )
        is None
    )
    assert parse_rate_headers({}) is None


def test_one_limiter_per_host() -> None:
    assert shared_limiter("https://api.intercom.io/") is shared_limiter("https://api.intercom.io")
    assert shared_limiter("https://api.intercom.io") is not shared_limiter("https://api.eu.intercom.io")
