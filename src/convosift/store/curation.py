"""Writes of theme curation: re-pointing stored theme matches, and the ``theme_decisions`` history.

Each function changes rows only; :mod:`convosift.themes.curation` decides what to change and puts
the calls of one decision in one transaction with the vocabulary file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.domain import ThemeMatch
from convosift.store.conversations import fit_name
from convosift.store.schema import theme_matches
from convosift.store.themes_schema import theme_decisions

CURATION_MATCHER = "curation"
"""The matcher named on a theme a person's decision gave (accepting a proposal)."""


@dataclass(frozen=True)
class StoredDecision:
    """One row of the curation history (``at`` in UNIX seconds)."""

    id: int
    at: float
    action: str
    signature: str
    target: str | None
    matches_changed: int
    detail: dict[str, Any]


def repoint_matches(conn: Connection, old: str, new: str | None, *, matcher: str | None = None) -> int:
    """Move every match of theme ``old`` to ``new`` (None: unmatched); ``matcher`` also renames who
    matched them. Returns how many matches changed."""
    values: dict[str, Any] = {"signature": new}
    if matcher is not None:
        values["matcher"] = fit_name(matcher)
    result = conn.execute(sa.update(theme_matches).where(theme_matches.c.signature == old).values(**values))
    return int(result.rowcount)


def curated_themes(conn: Connection, source: str, ids: Sequence[str]) -> dict[str, ThemeMatch]:
    """The themes a curation decision gave to those of ``ids`` that have one."""
    t = theme_matches.c
    found: dict[str, ThemeMatch] = {}
    for start in range(0, len(ids), 500):
        query = sa.select(t.conversation_id, t.signature, t.score, t.evidence).where(
            t.source == source,
            t.conversation_id.in_(ids[start : start + 500]),
            t.matcher == CURATION_MATCHER,
            t.signature.is_not(None),
        )
        for row in conn.execute(query):
            found[row.conversation_id] = ThemeMatch(
                signature=row.signature,
                score=row.score or 0.0,
                evidence=row.evidence,
                matcher=CURATION_MATCHER,
            )
    return found


def adopt_proposed_signature(conn: Connection, proposed: str, signature: str) -> int:
    """Give ``signature`` to the unmatched conversations whose matcher suggested ``proposed``."""
    result = conn.execute(
        sa.update(theme_matches)
        .where(theme_matches.c.signature.is_(None), theme_matches.c.proposed_signature == proposed)
        .values(signature=signature)
    )
    return int(result.rowcount)


def assign_unmatched(
    conn: Connection,
    members: Sequence[Sequence[str]],
    signature: str,
    *,
    matcher: str,
    evidence: Mapping[tuple[str, str], str],
    scores: Mapping[tuple[str, str], float] | None = None,
) -> int:
    """Match ``members`` (``(source, conversation_id)`` pairs) that are still unmatched to
    ``signature``, each with its ``evidence`` quote and match score when it has them. Returns how
    many changed."""
    changed = 0
    for source, conversation_id in members:
        values: dict[str, Any] = {"signature": signature, "matcher": fit_name(matcher)}
        if (source, conversation_id) in evidence:
            values["evidence"] = evidence[(source, conversation_id)]
        if scores is not None and (source, conversation_id) in scores:
            values["score"] = scores[(source, conversation_id)]
        changed += _update_unmatched(conn, source, conversation_id, values)
    return changed


def rescore_unmatched(conn: Connection, scores: Mapping[tuple[str, str], float], *, matcher: str) -> int:
    """Record, on conversations still unmatched, the best theme's score under ``matcher`` (a near
    miss is then visible in exports). Returns how many rows changed."""
    name = fit_name(matcher)
    return sum(
        _update_unmatched(conn, source, conversation_id, {"score": score, "matcher": name})
        for (source, conversation_id), score in scores.items()
    )


def _update_unmatched(conn: Connection, source: str, conversation_id: str, values: dict[str, Any]) -> int:
    """Set ``values`` on the conversation's match if it is still unmatched; 1 if it was, else 0."""
    result = conn.execute(
        sa.update(theme_matches)
        .where(
            theme_matches.c.source == source,
            theme_matches.c.conversation_id == conversation_id,
            theme_matches.c.signature.is_(None),
        )
        .values(**values)
    )
    return int(result.rowcount)


def record_decision(
    conn: Connection,
    *,
    at: float,
    action: str,
    signature: str,
    target: str | None,
    matches_changed: int,
    detail: Mapping[str, Any],
) -> None:
    conn.execute(
        sa.insert(theme_decisions).values(
            at=at,
            action=action,
            signature=signature,
            target=target,
            matches_changed=matches_changed,
            detail=dict(detail),
        )
    )


def decision_history(conn: Connection, *, limit: int) -> list[StoredDecision]:
    """Curation decisions, newest first."""
    query = sa.select(theme_decisions).order_by(theme_decisions.c.id.desc()).limit(limit)
    return [
        StoredDecision(
            id=r.id,
            at=r.at,
            action=r.action,
            signature=r.signature,
            target=r.target,
            matches_changed=r.matches_changed,
            detail=r.detail,
        )
        for r in conn.execute(query)
    ]
