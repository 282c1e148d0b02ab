"""Rows of ``theme_proposals``: the clusters discovery proposes as themes, and their fate.

A proposal is ``proposed`` until curation accepts or merges it, or a later discovery no longer
finds it (``gone``). How clusters are found and matched to earlier proposals is
:mod:`convosift.themes.discovery`'s business; this module only reads and writes the rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from convosift.store.schema import conversations
from convosift.store.themes_schema import theme_proposals

PROPOSED = "proposed"
DISMISSED = "dismissed"
_IN_CHUNK = 500


@dataclass(frozen=True)
class ClusterContent:
    """What discovery found for a proposal; rewritten each time it finds the cluster again."""

    key_phrases: list[str]
    members: list[list[str]]
    """``[source, conversation_id]`` of each member, the most central first."""
    evidence: list[dict[str, str]]
    """``{"source", "conversation_id", "quote"}`` of the members with a quote, in member order."""
    centroid: list[float]


@dataclass(frozen=True)
class Proposal:
    id: str
    signature: str
    title: str
    key_phrases: list[str]
    size: int
    members: list[list[str]]
    evidence: list[dict[str, Any]]
    centroid: list[float]
    status: str
    decided_signature: str | None
    created_at: float
    updated_at: float


def _proposal(row: RowMapping) -> Proposal:
    return Proposal(**{field.name: row[field.name] for field in fields(Proposal)})


def _content_values(content: ClusterContent, now: float) -> dict[str, Any]:
    return {
        "key_phrases": content.key_phrases,
        "size": len(content.members),
        "members": content.members,
        "evidence": content.evidence,
        "centroid": content.centroid,
        "updated_at": now,
    }


def get_proposal(conn: Connection, proposal_id: str) -> Proposal | None:
    query = sa.select(theme_proposals).where(theme_proposals.c.id == proposal_id)
    row = conn.execute(query).mappings().first()
    return _proposal(row) if row is not None else None


def list_proposals(conn: Connection, *, status: str | None = PROPOSED) -> list[Proposal]:
    """Proposals of one status (all when None), the biggest first."""
    query = sa.select(theme_proposals).order_by(theme_proposals.c.size.desc(), theme_proposals.c.id)
    if status is not None:
        query = query.where(theme_proposals.c.status == status)
    return [_proposal(row) for row in conn.execute(query).mappings()]


def count_open(conn: Connection) -> int:
    """How many proposals are open (``proposed``)."""
    query = (
        sa.select(sa.func.count()).select_from(theme_proposals).where(theme_proposals.c.status == PROPOSED)
    )
    return int(conn.execute(query).scalar_one())


def proposal_quotes(conn: Connection, statuses: Sequence[str], *, per_proposal: int, limit: int) -> list[str]:
    """Distinct evidence quotes of the proposals of ``statuses``, the biggest proposals first and
    at most ``per_proposal`` of each (the most central), ``limit`` in all."""
    query = (
        sa.select(theme_proposals.c.evidence)
        .where(theme_proposals.c.status.in_(list(statuses)))
        .order_by(theme_proposals.c.size.desc(), theme_proposals.c.id)
    )
    quotes: dict[str, None] = {}
    for evidence in conn.execute(query).scalars():
        for item in (evidence or [])[:per_proposal]:
            quote = str(item.get("quote") or "").strip() if isinstance(item, dict) else ""
            if quote:
                quotes.setdefault(quote)
        if len(quotes) >= limit:
            break
    return list(quotes)[:limit]


def proposal_signatures(conn: Connection) -> set[str]:
    """Signatures suggested by any proposal, whatever its status."""
    return set(conn.execute(sa.select(theme_proposals.c.signature)).scalars())


def proposal_exists(conn: Connection, proposal_id: str) -> bool:
    query = sa.select(theme_proposals.c.id).where(theme_proposals.c.id == proposal_id)
    return conn.execute(query).first() is not None


def insert_proposal(
    conn: Connection, proposal_id: str, content: ClusterContent, *, signature: str, title: str, now: float
) -> None:
    """A new ``proposed`` proposal."""
    conn.execute(
        sa.insert(theme_proposals).values(
            id=proposal_id,
            signature=signature,
            title=title,
            status=PROPOSED,
            decided_signature=None,
            created_at=now,
            **_content_values(content, now),
        )
    )


def refresh_proposal(conn: Connection, proposal_id: str, content: ClusterContent, now: float) -> None:
    """Replace what a proposal holds with the cluster found again (its id, title and signature stay)."""
    query = sa.update(theme_proposals).where(theme_proposals.c.id == proposal_id)
    conn.execute(query.values(**_content_values(content, now)))


def mark_gone(conn: Connection, proposal_ids: Sequence[str], now: float) -> None:
    """Proposals a discovery did not find again."""
    if not proposal_ids:
        return
    query = sa.update(theme_proposals).where(theme_proposals.c.id.in_(proposal_ids))
    conn.execute(query.values(status="gone", updated_at=now))


def drop_settled_members(conn: Connection, keys: Collection[tuple[str, str]], now: float) -> int:
    """Take conversations that now have a theme, or were filtered out, out of the open proposals,
    which stand for kept unmatched conversations: their sizes, members and quotes then count only
    what accepting them would still theme. A proposal left without members is ``gone``. Returns
    the proposals changed."""
    themed = {(source, conversation_id) for source, conversation_id in keys}
    if not themed:
        return 0
    p = theme_proposals.c
    changed = 0
    # Members and quotes only: the centroids are of no use here.
    for row in conn.execute(sa.select(p.id, p.members, p.evidence).where(p.status == PROPOSED)).all():
        members = [m for m in row.members if (m[0], m[1]) not in themed]
        if len(members) == len(row.members):
            continue
        evidence = [e for e in row.evidence if (e.get("source"), e.get("conversation_id")) not in themed]
        values: dict[str, Any] = {
            "members": members,
            "evidence": evidence,
            "size": len(members),
            "updated_at": now,
        }
        if not members:
            values["status"] = "gone"
        conn.execute(sa.update(theme_proposals).where(p.id == row.id).values(**values))
        changed += 1
    return changed


def close_proposal(
    conn: Connection, proposal_id: str, status: str, signature: str | None, now: float
) -> None:
    """Record a curation decision on a proposal: ``accepted`` or ``merged`` as ``signature``, or
    ``dismissed`` (no signature)."""
    query = sa.update(theme_proposals).where(theme_proposals.c.id == proposal_id)
    conn.execute(query.values(status=status, decided_signature=signature, updated_at=now))


def rename_proposal(
    conn: Connection, proposal_id: str, *, title: str | None, signature: str | None, now: float
) -> None:
    """Give an open proposal another title and/or suggested signature (None keeps the current one)."""
    values: dict[str, Any] = {"updated_at": now}
    if title is not None:
        values["title"] = title
    if signature is not None:
        values["signature"] = signature
    conn.execute(sa.update(theme_proposals).where(theme_proposals.c.id == proposal_id).values(**values))


def member_times(conn: Connection, members: Sequence[Sequence[str]]) -> list[int]:
    """``created_at`` of the stored conversations among ``members`` (``[source, id]`` pairs)."""
    by_source: dict[str, list[str]] = {}
    for source, conversation_id in members:
        by_source.setdefault(source, []).append(conversation_id)
    c = conversations.c
    times: list[int] = []
    for source, ids in sorted(by_source.items()):
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            query = sa.select(c.created_at).where(c.source == source, c.id.in_(chunk))
            times.extend(int(value) for value in conn.execute(query).scalars() if value is not None)
    return times
