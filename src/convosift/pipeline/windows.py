"""Time windows from command-line style inputs (days back, or dates), validated once for every caller.

The CLI and the API both describe a backfill's window with ``days`` or ``since``/``until`` and
both go through :func:`check_request` and :func:`requested`, so they refuse the same inputs with
the same sentences. ``prefix`` is how the caller's user spells an input: ``--`` for the CLI's
options, nothing for the API's fields.
"""

from __future__ import annotations

from datetime import UTC, datetime

from convosift import limits
from convosift.domain import Window
from convosift.errors import ConfigurationError

DAY = 86_400


def last_days(days: int, now: float, *, name: str = "days") -> Window:
    """``[now - days, now]``, inclusive of conversations updated in the current second."""
    limits.DAYS.check(days, name)
    end = int(now) + 1
    return Window(since=end - days * DAY, until=end)


def parse_instant(text: str, name: str = "") -> int:
    """UNIX seconds of an ISO date (``2024-01-31``) or date-time; naive values are UTC.

    ``name`` (``--since``) starts the error message when the caller's user needs to know which input.
    """
    given = f"{name} {text!r}" if name else repr(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(
            f"{given} is not an ISO date (2024-01-31) or date-time (2024-01-31T08:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(moment.timestamp())
    problem = limits.instant_problem(seconds)
    if problem is not None:
        raise ConfigurationError(f"{given} is out of range: dates {problem}")
    return seconds


def between(since: str, until: str | None, now: float, *, prefix: str = "") -> Window:
    """``[since, until)``, ``until`` defaulting to just after ``now``."""
    start = parse_instant(since, _option(prefix, "since"))
    end = parse_instant(until, _option(prefix, "until")) if until else int(now) + 1
    if end <= start:
        bound = f"{prefix}until ({until})" if until else "now"
        raise ConfigurationError(f"{prefix}since ({since}) must be before {bound}")
    return Window(since=start, until=end)


def check_request(days: int | None, since: str | None, until: str | None, *, prefix: str = "") -> None:
    """Raise :class:`ConfigurationError` unless the inputs describe one window.

    What depends on ``now`` (a ``since`` in the future) and the range of ``days`` are checked when
    the window is built (:func:`requested`).
    """
    if days is not None and (since is not None or until is not None):
        raise ConfigurationError(f"give either {prefix}days or {prefix}since/{prefix}until, not both")
    if until is not None and since is None:
        raise ConfigurationError(f"{prefix}until needs {prefix}since")
    if days is None and since is None:
        raise ConfigurationError(f"give {prefix}days or {prefix}since (and optionally {prefix}until)")
    if since is None or until is None:
        return
    if parse_instant(since, _option(prefix, "since")) >= parse_instant(until, _option(prefix, "until")):
        raise ConfigurationError(f"{prefix}since ({since}) must be before {prefix}until ({until})")


def requested(
    days: int | None, since: str | None, until: str | None, now: float, *, prefix: str = ""
) -> Window:
    """The window a backfill asks for: the last ``days`` days, or ``since`` up to ``until`` (default now)."""
    check_request(days, since, until, prefix=prefix)
    if days is not None:
        return last_days(days, now, name=f"{prefix}days")
    assert since is not None  # check_request refuses neither days nor since
    return between(since, until, now, prefix=prefix)


def _option(prefix: str, field: str) -> str:
    # The API names a bad field through its error's location; only prefixed names need spelling out.
    return f"{prefix}{field}" if prefix else ""
