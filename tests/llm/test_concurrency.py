"""The adaptive LLM concurrency limit, on a fake clock: halve on congestion, grow while latency holds."""

from __future__ import annotations

import asyncio
import json

import pytest

from convosift.llm.concurrency import AdaptiveLimiter, Permit
from convosift.logs import configure_logging


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def take_every_slot(limiter: AdaptiveLimiter) -> list[Permit]:
    return [await limiter.acquire() for _ in range(limiter.limit - limiter.in_flight)]


async def full_window(limiter: AdaptiveLimiter, clock: FakeClock, latency: float) -> None:
    """As many requests as the limit, all in flight at once, each answering after ``latency``."""
    permits = await take_every_slot(limiter)
    clock.now += latency
    for permit in permits:
        limiter.success(permit)
        limiter.release()


async def congested(limiter: AdaptiveLimiter) -> None:
    """One request granted now that the endpoint refuses."""
    async with limiter.permit() as permit:
        limiter.congestion(permit)


async def test_a_burst_of_congestion_from_one_window_halves_the_limit_once(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(16, 64, clock=clock)
    burst = await take_every_slot(limiter)

    for permit in burst:
        limiter.congestion(permit)
        limiter.release()

    assert limiter.limit == 8 and limiter.in_flight == 0
    await congested(limiter)  # sent after the decrease: a new episode
    assert limiter.limit == 4


async def test_requests_granted_between_decreases_belong_to_the_later_episode(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(8, 8, clock=clock)
    first, second = await limiter.acquire(), await limiter.acquire()
    limiter.congestion(first)
    third = await limiter.acquire()

    limiter.congestion(second)  # granted before the decrease
    assert limiter.limit == 4
    limiter.congestion(third)
    assert limiter.limit == 2


async def test_the_limit_never_falls_below_one(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(3, 3, clock=clock)
    for _ in range(5):
        await congested(limiter)

    assert limiter.limit == 1
    async with limiter.permit():
        assert limiter.in_flight == 1


async def test_it_grows_by_one_per_full_window_while_latency_holds(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(4, 64, clock=clock)
    await full_window(limiter, clock, 0.5)
    assert limiter.limit == 5 and limiter.baseline_latency == pytest.approx(0.5)

    for latency in (0.6, 0.9, 1.0):  # within twice the best latency seen
        await full_window(limiter, clock, latency)
    assert limiter.limit == 8


async def test_it_holds_while_latency_rises_and_grows_again_when_it_falls(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(4, 64, clock=clock)
    await full_window(limiter, clock, 0.5)
    assert limiter.limit == 5

    for _ in range(3):
        await full_window(limiter, clock, 1.5)  # three times the baseline: the endpoint queues
    assert limiter.limit == 5

    await full_window(limiter, clock, 0.7)
    assert limiter.limit == 6


async def test_a_limit_that_is_never_full_does_not_grow(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(4, 64, clock=clock)
    for _ in range(20):  # two at a time, fast: the limit of four was never tested
        first, second = await limiter.acquire(), await limiter.acquire()
        clock.now += 0.1
        for permit in (first, second):
            limiter.success(permit)
            limiter.release()

    assert limiter.limit == 4


async def test_it_never_grows_above_the_maximum(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(2, 5, clock=clock)
    for _ in range(20):
        await full_window(limiter, clock, 0.1)

    assert limiter.limit == 5
    fixed = AdaptiveLimiter(3, 3, clock=clock)
    for _ in range(5):
        await full_window(fixed, clock, 0.1)
    assert fixed.limit == 3


async def test_congestion_restarts_the_window_and_successes_from_before_it_do_not_count(
    clock: FakeClock,
) -> None:
    limiter = AdaptiveLimiter(4, 64, clock=clock)
    old = await take_every_slot(limiter)
    limiter.congestion(old.pop())
    limiter.release()
    assert limiter.limit == 2

    clock.now += 0.1
    for permit in old:  # they measured four at once, not two
        limiter.success(permit)
        limiter.release()
    assert limiter.limit == 2 and limiter.baseline_latency == pytest.approx(0.1)

    await full_window(limiter, clock, 0.1)
    assert limiter.limit == 3


async def test_waiters_are_served_in_order_and_a_growing_limit_lets_them_in(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(1, 2, clock=clock)
    order: list[int] = []

    async def request(number: int) -> None:
        async with limiter.permit():
            order.append(number)
            await asyncio.sleep(0)

    holder = await limiter.acquire()
    tasks = [asyncio.create_task(request(number)) for number in range(3)]
    await asyncio.sleep(0)
    assert order == [] and limiter.in_flight == 1

    clock.now += 0.2
    limiter.success(holder)  # a full window of one: the limit grows to two
    assert limiter.limit == 2 and limiter.in_flight == 2
    limiter.release()
    await asyncio.gather(*tasks)

    assert order == [0, 1, 2] and limiter.in_flight == 0


async def test_after_a_decrease_no_new_request_starts_until_in_flight_is_below_the_limit(
    clock: FakeClock,
) -> None:
    limiter = AdaptiveLimiter(4, 4, clock=clock)
    permits = await take_every_slot(limiter)
    limiter.congestion(permits[0])
    waiting = asyncio.create_task(limiter.acquire())

    for _ in range(2):
        limiter.release()
        await asyncio.sleep(0)
        assert not waiting.done()  # three, then two in flight: not below the limit of two
    limiter.release()
    await waiting
    assert limiter.in_flight == 2


async def test_a_cancelled_waiter_gives_its_slot_back(clock: FakeClock) -> None:
    limiter = AdaptiveLimiter(1, 1, clock=clock)
    await limiter.acquire()
    cancelled = asyncio.create_task(limiter.acquire())
    granted_then_cancelled = asyncio.create_task(limiter.acquire())
    after = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0)

    cancelled.cancel()
    limiter.release()  # grants the next live waiter...
    granted_then_cancelled.cancel()  # ...which is cancelled before it runs
    await asyncio.gather(cancelled, granted_then_cancelled, return_exceptions=True)
    await after

    assert limiter.in_flight == 1


async def test_each_change_is_logged_at_info_with_its_reason(
    clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    limiter = AdaptiveLimiter(2, 8, clock=clock)
    configure_logging("info", "json")
    try:
        await full_window(limiter, clock, 0.25)
        await congested(limiter)
    finally:
        configure_logging()
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    changes = [(e["previous"], e["limit"], e["reason"], e["level"]) for e in events]
    assert changes == [(2, 3, "latency_holds", "info"), (3, 1, "congestion", "info")]
    assert events[0]["event"] == "llm_concurrency_changed" and events[0]["median_latency"] == 0.25


@pytest.mark.parametrize(("initial", "maximum"), [(0, 4), (5, 4)])
def test_an_impossible_range_is_refused(initial: int, maximum: int) -> None:
    with pytest.raises(ValueError, match="initial <= maximum"):
        AdaptiveLimiter(initial, maximum)
