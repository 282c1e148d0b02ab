"""Time series and the rising-theme test. Pure functions over timestamps; no database here.

A theme is *rising* when its share of the recent window is significantly above its share of its
own baseline (the weeks before), not when a raw ratio looks big: 3 conversations after 1 is
"+200 %" and means nothing. The test is a one-sided binomial test: under the baseline share
``p``, how likely are at least ``k`` of the recent window's ``n`` conversations to belong to the
theme? Comparing shares rather than counts keeps a growing inbox from making every theme rise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

DAY = 86_400
WEEK = 7 * DAY
# Monday 1970-01-05 00:00 UTC: weeks are aligned on ISO weeks (Monday to Sunday).
_FIRST_MONDAY = 4 * DAY


@dataclass(frozen=True)
class TrendWindows:
    """The recent window ``[recent_start, end)``, the equal-length previous window before it, and
    the baseline ``[baseline_start, recent_start)`` the significance test compares against."""

    end: int
    recent_start: int
    previous_start: int
    baseline_start: int

    @classmethod
    def ending_at(
        cls, end: int, recent_days: int, baseline_days: int, *, starts: int | None = None
    ) -> TrendWindows:
        """Windows ending at ``end``. A period that ``starts`` less than ``recent_days`` before its
        end is its recent window whole, compared with as long a window before it."""
        recent = recent_days * DAY if starts is None else max(DAY, min(recent_days * DAY, end - starts))
        recent_start = end - recent
        return cls(
            end=end,
            recent_start=recent_start,
            previous_start=recent_start - recent,
            baseline_start=recent_start - baseline_days * DAY,
        )


@dataclass(frozen=True)
class RisingTest:
    rising: bool
    p_value: float
    recent_share: float
    baseline_share: float


def week_start(timestamp: int) -> int:
    """UNIX time of the Monday 00:00 UTC that starts the timestamp's week."""
    return timestamp - (timestamp - _FIRST_MONDAY) % WEEK


def week_label(timestamp: int) -> str:
    return datetime.fromtimestamp(week_start(timestamp), UTC).date().isoformat()


def iso_day(timestamp: int | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).date().isoformat()


MAX_SERIES_WEEKS = 520
"""A weekly series covers at most the last ten years of its period: a period of two centuries
(``since=1900``) made one open GET build 11 MB of zeros per request."""


def series_weeks(start: int, end: int, first: int, last: int) -> list[int]:
    """The weeks a series shows for the period ``[start, end)``: only those that can hold data
    (from ``first`` to ``last``, the earliest and latest times stored), at most
    :data:`MAX_SERIES_WEEKS`, the latest kept."""
    start, end = max(start, first), min(end, last + 1)
    if end <= start:
        return []
    latest = week_start(end - 1)
    return week_starts(max(start, latest - (MAX_SERIES_WEEKS - 1) * WEEK), end)


def week_starts(start: int, end: int) -> list[int]:
    """Every week start from the week holding ``start`` to the one holding ``end - 1``."""
    if end <= start:
        return []
    first, last = week_start(start), week_start(end - 1)
    return list(range(first, last + WEEK, WEEK))


def weekly_counts(timestamps: Iterable[int], weeks: list[int]) -> list[int]:
    """Counts per week of ``weeks`` (zeros included, so series of different themes line up)."""
    counts = Counter(week_start(ts) for ts in timestamps)
    return [counts.get(week, 0) for week in weeks]


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), computed in log space so large n does not overflow."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        for i in range(k, n + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(term - top) for term in terms))


def rising_test(
    recent_count: int,
    recent_total: int,
    baseline_count: int,
    baseline_total: int,
    *,
    min_count: int = 5,
    alpha: float = 0.01,
) -> RisingTest:
    """Is the theme's recent share significantly above its baseline share?

    The baseline share gets add-one smoothing so a theme never seen before is not "infinitely"
    rising, and a theme needs at least ``min_count`` recent conversations to qualify at all.
    """
    recent_share = recent_count / recent_total if recent_total else 0.0
    baseline_share = (baseline_count + 1) / (baseline_total + 2)
    if recent_total == 0:
        return RisingTest(False, 1.0, recent_share, baseline_share)
    p_value = binomial_tail(recent_count, recent_total, baseline_share)
    rising = recent_count >= min_count and recent_share > baseline_share and p_value < alpha
    return RisingTest(rising, p_value, recent_share, baseline_share)


def to_timestamp(value: int | float | datetime | date | str | None) -> int | None:
    """Accept UNIX seconds, a datetime (naive = UTC), a date, or an ISO date/datetime string."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or an ISO 8601 time)") from None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp())
    return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
