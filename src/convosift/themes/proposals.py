"""What a person needs to decide on the open proposals: size, weekly trend, key phrases, quotes and
a few sample conversations. The decisions themselves are :mod:`convosift.themes.curation`'s.
"""

from __future__ import annotations

from typing import Any

from convosift.store import Connection, Store, queries
from convosift.store import proposals as stored
from convosift.themes.text import distinct_quotes
from convosift.themes.trends import series_weeks, week_label, weekly_counts

EXCERPT_CHARS = 240


def open_proposals(store: Store, *, quotes: int = 5, samples: int = 3) -> dict[str, Any]:
    """Open proposals, the biggest first, each with its weekly counts over the same weeks (``weeks``).

    Samples are the most central members still stored, with an excerpt of what the customer wrote.
    """
    with store.read() as conn:
        proposals = stored.list_proposals(conn)
        times = {p.id: stored.member_times(conn, p.members) for p in proposals}
        found = {p.id: _samples(conn, p.members, samples) for p in proposals}
    every = [t for ts in times.values() for t in ts]
    weeks = series_weeks(min(every), max(every) + 1, min(every), max(every)) if every else []
    return {
        "weeks": [week_label(w) for w in weeks],
        "proposals": [
            {
                "id": p.id,
                "signature": p.signature,
                "title": p.title,
                "size": p.size,
                "key_phrases": p.key_phrases,
                "quotes": distinct_quotes((item["quote"] for item in p.evidence), quotes),
                "series": [
                    {"week": week_label(w), "count": c}
                    for w, c in zip(weeks, weekly_counts(times[p.id], weeks), strict=True)
                ],
                "samples": found[p.id],
            }
            for p in proposals
        ],
    }


def _samples(conn: Connection, members: list[list[str]], limit: int) -> list[dict[str, Any]]:
    chosen: list[dict[str, Any]] = []
    for source, conversation_id in members:
        if len(chosen) >= limit:
            break
        row = queries.get_conversation(conn, conversation_id, source)
        if row is None:
            continue
        text = row["customer_text"] or ""
        chosen.append(
            {
                "source": source,
                "id": conversation_id,
                "subject": row["subject"],
                "created_at": row["created_at"],
                "excerpt": text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…",
            }
        )
    return chosen


def list_proposals(store: Store, *, status: str | None = "proposed", quotes: int = 5) -> list[dict[str, Any]]:
    """Stored proposals, the biggest first (all statuses when ``status`` is None). JSON-able."""
    with store.read() as conn:
        proposals = stored.list_proposals(conn, status=status)
    return [
        {
            "id": p.id,
            "signature": p.signature,
            "title": p.title,
            "key_phrases": p.key_phrases,
            "size": p.size,
            "status": p.status,
            "decided_signature": p.decided_signature,
            "quotes": distinct_quotes((item["quote"] for item in p.evidence), quotes),
        }
        for p in proposals
    ]
