"""Time windows from command-line style inputs (days back, or dates)."""

from __future__ import annotations

from datetime import UTC, datetime

from convosift.domain import Window
from convosift.errors import ConfigurationError

DAY = 86_400


def last_days(days: int, now: float) -> Window:
    """``[now - days, now]``, inclusive of conversations updated in the current second."""
    if days < 1:
        raise ConfigurationError(f"--days must be at least 1, got {days}")
    end = int(now) + 1
    return Window(since=end - days * DAY, until=end)


def parse_instant(text: str) -> int:
    """UNIX seconds of an ISO date (``2024-01-31``) or date-time; naive values are UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(f"{text!r} is not a date; use YYYY-MM-DD or an ISO date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def between(since: str, until: str | None, now: float) -> Window:
    start = parse_instant(since)
    end = parse_instant(until) if until else int(now) + 1
    if end <= start:
        raise ConfigurationError(f"--until ({until}) must be after --since ({since})")
    return Window(since=start, until=end)
