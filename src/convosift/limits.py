"""The ranges every way in accepts: days back, dates, page sizes and offsets.

The CLI and the API check their values with these same objects, so a value one of them accepts the
other accepts too, and nothing out of range reaches the database or the calendar (an offset past
2**63 overflows SQLite's integers; ``--days 10**20`` overflows the window arithmetic). Messages
name no option: each caller prefixes the name its user typed (``--days``, ``days:``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from convosift.errors import ConfigurationError


@dataclass(frozen=True)
class Range:
    """Inclusive bounds of one integer input."""

    low: int
    high: int

    def problem(self, value: int) -> str | None:
        """Why ``value`` is refused (``None`` when it is in range)."""
        if self.low <= value <= self.high:
            return None
        return f"must be between {self.low} and {self.high}, got {value}"

    def check(self, value: int, name: str) -> int:
        """``value`` if it is in range, else :class:`ConfigurationError` naming it ``name``."""
        problem = self.problem(value)
        if problem is not None:
            raise ConfigurationError(f"{name} {problem}")
        return value


#: A backfill reaches at most a century back (the API and the CLI both refuse more).
DAYS = Range(1, 36_500)
#: Far past any real inbox, yet small enough that ``offset + limit`` never nears the 64-bit
#: integers SQLite and PostgreSQL take for OFFSET, and exact as a JavaScript number on the dashboard.
OFFSET = Range(0, 1_000_000_000)
#: Conversations in one answer (API pages, the dashboard, ``convosift themes show``).
PAGE_SIZE = Range(1, 500)
#: Runs or curation decisions in one answer (``GET /api/pipeline/history``, ``convosift runs``).
HISTORY_SIZE = Range(1, 1_000)

# Dates are accepted about a century either side of today: wider than any help desk's history and
# than DAYS, narrow enough that every date derived from a window (weeks, ISO days, a time-zone
# shift) stays inside the years 1-9999 Python's datetime represents, and that a theme's weekly
# series over the widest period has about 10,000 points, not the 500,000 of years 1-9999.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
INSTANT = Range(int(EARLIEST.timestamp()), int(LATEST.timestamp()))


def instant_problem(seconds: int) -> str | None:
    """Why a point in time (UNIX seconds) is refused as a window bound, or ``None``."""
    if INSTANT.problem(seconds) is None:
        return None
    return f"must be between {EARLIEST.date().isoformat()} and {LATEST.date().isoformat()}"
