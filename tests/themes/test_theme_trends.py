"""Weekly series and the rising-theme significance test."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from convosift.themes.trends import (
    DAY,
    WEEK,
    TrendWindows,
    binomial_tail,
    rising_test,
    to_timestamp,
    week_label,
    week_start,
    week_starts,
    weekly_counts,
)

MONDAY = 1_767_571_200  # 2026-01-05


def test_weeks_start_on_monday_utc() -> None:
    assert week_start(MONDAY + 6 * DAY + 3600) == MONDAY
    assert week_start(MONDAY - 1) == MONDAY - WEEK
    assert week_label(MONDAY + 3 * DAY) == "2026-01-05"
    assert week_starts(MONDAY + DAY, MONDAY + 15 * DAY) == [MONDAY, MONDAY + WEEK, MONDAY + 2 * WEEK]
    assert weekly_counts([MONDAY, MONDAY + 1, MONDAY + 8 * DAY], week_starts(MONDAY, MONDAY + 3 * WEEK)) == [
        2,
        1,
        0,
    ]


@pytest.mark.parametrize(
    ("k", "n", "p"), [(0, 10, 0.3), (3, 10, 0.3), (10, 10, 0.5), (7, 20, 0.05), (11, 10, 0.5)]
)
def test_binomial_tail_matches_the_direct_sum(k: int, n: int, p: float) -> None:
    direct = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
    assert binomial_tail(k, n, p) == pytest.approx(direct, rel=1e-9, abs=1e-15)


def test_binomial_tail_handles_large_counts() -> None:
    assert 0.0 < binomial_tail(300, 5000, 0.04) < 1e-3


def test_a_spike_against_the_baseline_is_rising() -> None:
    # 2 of 600 baseline conversations, then 12 of 200 recent ones.
    test = rising_test(12, 200, 2, 600)
    assert test.rising and test.p_value < 1e-6


def test_steady_share_and_growing_inbox_are_not_rising() -> None:
    assert not rising_test(10, 200, 30, 600).rising
    # The inbox doubled and the theme doubled with it: same share, not rising.
    assert not rising_test(20, 400, 30, 600).rising


def test_too_few_recent_conversations_never_rise() -> None:
    test = rising_test(3, 20, 0, 600, min_count=5)
    assert test.p_value < 0.01 and not test.rising


def test_windows_and_time_parsing() -> None:
    windows = TrendWindows.ending_at(MONDAY, recent_days=14, baseline_days=84)
    assert windows.recent_start == MONDAY - 14 * DAY
    assert windows.previous_start == MONDAY - 28 * DAY
    assert windows.baseline_start == MONDAY - 98 * DAY
    assert to_timestamp("2026-01-05") == MONDAY
    assert to_timestamp(date(2026, 1, 5)) == MONDAY
    assert to_timestamp(datetime(2026, 1, 5)) == MONDAY
    assert to_timestamp("2026-01-05T00:00:00Z") == MONDAY
    assert to_timestamp(None) is None
    with pytest.raises(ValueError, match="not a date"):
        to_timestamp("last tuesday")
