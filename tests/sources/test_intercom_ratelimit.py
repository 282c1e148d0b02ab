"""Pacing, deterministically: a fixed-window server simulated on a fake clock."""

from __future__ import annotations

import itertools
import math

from source_fakes import START, FakeClock

from convosift.sources.intercom.ratelimit import RateLimiter, parse_rate_headers, shared_limiter


class WindowServer:
    """Counts requests per fixed window as Intercom does and answers with its headers."""

    def __init__(self, clock: FakeClock, limit: int, window: float = 10.0) -> None:
        self.clock, self.limit, self.window = clock, limit, window
        self.counts: dict[int, int] = {}
        self.rejected = 0

    def handle(self) -> tuple[int, dict[str, str]]:
        index = math.floor(self.clock.time() / self.window)
        used = self.counts.get(index, 0)
        reset = str(int((index + 1) * self.window))
        if used >= self.limit:
            self.rejected += 1
            return 429, {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset,
            }
        self.counts[index] = used + 1
        remaining = self.limit - used - 1
        return 200, {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset,
        }


async def run_requests(limiter: RateLimiter, server: WindowServer, count: int) -> list[float]:
    starts = []
    done = 0
    while done < count:
        async with limiter.slot():
            starts.append(limiter.clock.time())
            status, headers = server.handle()
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
