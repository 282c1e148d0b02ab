"""Per-theme aggregates over stored results: counts, shares, weekly series, trends, quotes.

Everything returned is JSON-able (the API and ``--json`` print it as is). Only kept conversations
count; time is the conversation's ``created_at``. The trend windows end at ``until`` when given,
else just after the newest stored conversation, so results do not depend on the wall clock.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from convosift import limits
from convosift.errors import ConfigurationError, NotFoundError
from convosift.store import Store
from convosift.store.themes import KeptResult, MatchEvidence, kept_results, match_evidence, theme_members
from convosift.themes.text import VARIED_FROM, quote_key, varied_order, word_counts
from convosift.themes.trends import (
    TrendWindows,
    iso_day,
    rising_test,
    series_weeks,
    to_timestamp,
    week_label,
    weekly_counts,
)
from convosift.themes.vocabulary import EMPTY_VOCABULARY, Theme, Vocabulary

TimeBound = int | float | datetime | date | str | None
RECENT_DAYS = 14
BASELINE_DAYS = 84
TOP_QUOTES = 3


@dataclass(frozen=True)
class Period:
    since: int | None
    until: int | None

    @classmethod
    def of(cls, since: TimeBound, until: TimeBound) -> Period:
        try:
            start, end = to_timestamp(since), to_timestamp(until)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        for name, given, seconds in (("since", since, start), ("until", until, end)):
            problem = None if seconds is None else limits.instant_problem(seconds)
            if problem is not None:
                raise ConfigurationError(f"{name} {given!r} is out of range: dates {problem}")
        if start is not None and end is not None and end <= start:
            raise ConfigurationError("until must be after since (the end of the period after its start)")
        return cls(start, end)


def _top_quotes(evidence: list[MatchEvidence], limit: int) -> dict[str, list[dict[str, Any]]]:
    """Up to ``limit`` distinct quotes per theme (:func:`quote_key`), from evidence sorted best
    first, the kinds of request within the theme shown before more of one kind (:func:`varied_order`)."""
    candidates: dict[str, list[dict[str, Any]]] = defaultdict(list)
    seen: dict[str, set[str]] = defaultdict(set)
    for row in evidence:
        text = row.evidence.strip()
        key = quote_key(text)
        if not key or len(candidates[row.signature]) >= VARIED_FROM or key in seen[row.signature]:
            continue
        seen[row.signature].add(key)
        candidates[row.signature].append(
            {
                "source": row.source,
                "conversation_id": row.conversation_id,
                "quote": text,
                "score": round(row.score, 4),
            }
        )
    texts = {signature: [item["quote"] for item in found] for signature, found in candidates.items()}
    everywhere = word_counts(quote for found in texts.values() for quote in found)
    total = sum(len(found) for found in texts.values())
    quotes: dict[str, list[dict[str, Any]]] = {}
    for signature, found in candidates.items():
        order = varied_order(texts[signature], everywhere, total)[:limit]
        quotes[signature] = [found[index] for index in order]
    return quotes


def _describe_theme(signature: str, vocabulary: Vocabulary) -> dict[str, Any]:
    theme: Theme | None = vocabulary.find(signature)
    if theme is None:
        return {
            "signature": signature,
            "title": signature.replace("_", " ").capitalize(),
            "product_area": None,
            "status": "unknown",
        }
    return {
        "signature": signature,
        "title": theme.title,
        "product_area": theme.product_area or None,
        "status": theme.status,
    }


def _period_end(period: Period, rows: list[KeptResult]) -> int:
    return period.until if period.until is not None else max(r.created_at for r in rows) + 1


def _summaries(
    rows: list[KeptResult],
    earlier: list[KeptResult],
    vocabulary: Vocabulary,
    period: Period,
    windows: TrendWindows,
) -> list[dict[str, Any]]:
    """``rows`` are the period's; ``earlier`` the conversations before it that the trend windows
    cover, which count for the trend only."""
    if not rows:
        return []
    end = windows.end
    start = period.since if period.since is not None else min(r.created_at for r in rows)
    times_stored = [r.created_at for r in rows]
    weeks = series_weeks(start, end, min(times_stored), max(times_stored))
    total = len(rows)
    trend_rows = earlier + rows
    recent_total = sum(1 for r in trend_rows if windows.recent_start <= r.created_at < end)
    baseline_total = sum(
        1 for r in trend_rows if windows.baseline_start <= r.created_at < windows.recent_start
    )
    by_theme: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.signature is not None:
            by_theme[row.signature].append(row.created_at)
    before: dict[str, list[int]] = defaultdict(list)
    for row in earlier:
        if row.signature is not None:
            before[row.signature].append(row.created_at)
    summaries = []
    for signature, times in by_theme.items():
        trend_times = before.get(signature, []) + times
        recent = sum(1 for t in trend_times if windows.recent_start <= t < end)
        previous = sum(1 for t in trend_times if windows.previous_start <= t < windows.recent_start)
        baseline = sum(1 for t in trend_times if windows.baseline_start <= t < windows.recent_start)
        test = rising_test(recent, recent_total, baseline, baseline_total)
        summaries.append(
            {
                **_describe_theme(signature, vocabulary),
                "count": len(times),
                "share": round(len(times) / total, 4),
                "first_seen": iso_day(min(times)),
                "last_seen": iso_day(max(times)),
                "series": [
                    {"week": week_label(w), "count": c}
                    for w, c in zip(weeks, weekly_counts(times, weeks), strict=True)
                ],
                "recent_count": recent,
                "previous_count": previous,
                "change": recent - previous,
                "change_pct": round(100.0 * (recent - previous) / previous, 1) if previous else None,
                "rising": test.rising,
                "p_value": float(f"{test.p_value:.3g}"),
            }
        )
    summaries.sort(key=lambda s: (-s["count"], s["signature"]))
    return summaries


def theme_summary(
    store: Store,
    since: TimeBound = None,
    until: TimeBound = None,
    *,
    vocabulary: Vocabulary | None = None,
    recent_days: int = RECENT_DAYS,
    baseline_days: int = BASELINE_DAYS,
    top_quotes: int = TOP_QUOTES,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """One entry per theme with stored matches in ``[since, until)`` (of one source, if given),
    the biggest first.

    Keys: signature, title, product_area, status, count, share (of kept conversations), first_seen,
    last_seen, series (weekly counts), recent_count, previous_count, change, change_pct, rising,
    p_value, quotes. Pass the vocabulary in use (``load_vocabulary_for(settings)``) for titles.
    Counts, shares, series and quotes are the period's; the trend (recent and previous counts,
    change, rising) compares the period's last ``recent_days`` (all of it when shorter) with as
    many days before them, which may lie before ``since``.
    """
    period = Period.of(since, until)
    vocab = vocabulary if vocabulary is not None else EMPTY_VOCABULARY
    earlier: list[KeptResult] = []
    with store.read() as conn:
        rows = kept_results(conn, period.since, period.until, source=source)
        evidence = match_evidence(conn, period.since, period.until, source=source)
        if not rows:
            return []
        end = _period_end(period, rows)
        windows = TrendWindows.ending_at(end, recent_days, baseline_days, starts=period.since)
        if period.since is not None and windows.baseline_start < period.since:
            # A period that starts inside the trend's windows still compares with what came
            # before it: cut off, the previous fortnight would read as empty and every theme grow.
            earlier = kept_results(conn, windows.baseline_start, period.since, source=source)
    summaries = _summaries(rows, earlier, vocab, period, windows)
    quotes = _top_quotes(evidence, top_quotes)
    for summary in summaries:
        summary["quotes"] = quotes.get(summary["signature"], [])
    return summaries


def rising_themes(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rising entries of :func:`theme_summary`, the most significant first."""
    return sorted((s for s in summaries if s["rising"]), key=lambda s: (s["p_value"], -s["recent_count"]))


def overview(
    store: Store, since: TimeBound = None, until: TimeBound = None, *, source: str | None = None
) -> dict[str, Any]:
    """Totals and the weekly category mix of kept conversations (the report's header and chart)."""
    period = Period.of(since, until)
    with store.read() as conn:
        rows = kept_results(conn, period.since, period.until, source=source)
    if not rows:
        return {
            "kept": 0,
            "themed": 0,
            "unmatched": 0,
            "needs_review": 0,
            "first_seen": None,
            "last_seen": None,
            "weeks": [],
            "categories": {},
            "category_totals": [],
        }
    start = period.since if period.since is not None else min(r.created_at for r in rows)
    end = period.until if period.until is not None else max(r.created_at for r in rows) + 1
    weeks = series_weeks(start, end, min(r.created_at for r in rows), max(r.created_at for r in rows))
    by_category: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_category[row.category or "unclassified"].append(row.created_at)
    totals = Counter({name: len(times) for name, times in by_category.items()})
    to_review = Counter(row.category or "unclassified" for row in rows if row.needs_review)
    return {
        "kept": len(rows),
        "themed": sum(1 for r in rows if r.signature is not None),
        "unmatched": sum(1 for r in rows if r.signature is None),
        "needs_review": sum(1 for r in rows if r.needs_review),
        "first_seen": iso_day(min(r.created_at for r in rows)),
        "last_seen": iso_day(max(r.created_at for r in rows)),
        "weeks": [week_label(w) for w in weeks],
        "categories": {name: weekly_counts(by_category[name], weeks) for name, _ in totals.most_common()},
        # Each category's size and how many of its labels are guesses flagged for review.
        "category_totals": [
            {
                "category": name,
                "count": count,
                "share": round(count / len(rows), 4),
                "needs_review": to_review[name],
            }
            for name, count in totals.most_common()
        ],
    }


def theme_detail(
    store: Store,
    signature: str,
    since: TimeBound = None,
    until: TimeBound = None,
    *,
    vocabulary: Vocabulary | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """One theme: its summary entry (zeros when nothing matched yet), and a page of its conversations."""
    period = Period.of(since, until)
    vocab = vocabulary if vocabulary is not None else EMPTY_VOCABULARY
    summaries = theme_summary(store, since, until, vocabulary=vocab, top_quotes=10)
    entry = next((s for s in summaries if s["signature"] == signature), None)
    if entry is None:
        if vocab.find(signature) is None:
            known = [s["signature"] for s in summaries] + [theme.signature for theme in vocab.themes]
            close = difflib.get_close_matches(signature, sorted(set(known)), n=3)
            raise NotFoundError(
                f"no theme {signature!r} in the vocabulary or the stored results",
                hint=f"did you mean {' or '.join(close)}?"
                if close
                else "GET /api/themes or `convosift themes` lists them",
            )
        entry = {
            **_describe_theme(signature, vocab),
            "count": 0,
            "share": 0.0,
            "first_seen": None,
            "last_seen": None,
            "series": [],
            "recent_count": 0,
            "previous_count": 0,
            "change": 0,
            "change_pct": None,
            "rising": False,
            "p_value": 1.0,
            "quotes": [],
        }
    theme = vocab.find(signature)
    entry["description"] = theme.description if theme else None
    with store.read() as conn:
        members = theme_members(conn, signature, period.since, period.until, limit=limit, offset=offset)
    entry["conversations"] = [{**asdict(member), "score": round(member.score, 4)} for member in members]
    return entry
