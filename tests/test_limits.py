"""The shared ranges: one message shape, checked the same way by the CLI and the API."""

from __future__ import annotations

import pytest

from convosift import limits
from convosift.errors import ConfigurationError


def test_a_range_names_the_value_only_when_asked() -> None:
    assert limits.DAYS.problem(1) is None and limits.DAYS.problem(36_500) is None
    assert limits.DAYS.problem(36_501) == "must be between 1 and 36500, got 36501"
    assert limits.DAYS.check(7, "--days") == 7
    with pytest.raises(ConfigurationError, match=r"^--days must be between 1 and 36500, got 0$"):
        limits.DAYS.check(0, "--days")


def test_the_largest_offset_stays_far_below_64_bit_integers() -> None:
    assert limits.OFFSET.high + limits.PAGE_SIZE.high + limits.HISTORY_SIZE.high < 2**53 < 2**63


def test_instants_cover_days_back_from_today_and_stay_printable() -> None:
    now = 1_800_000_000
    assert limits.instant_problem(now - limits.DAYS.high * 86_400) is None
    assert limits.instant_problem(limits.INSTANT.low - 1) == "must be between 1900-01-01 and 2100-01-01"
    assert limits.instant_problem(limits.INSTANT.high + 1) is not None
