"""Reads of stored theme matches: the rows behind theme aggregates, evidence quotes, a theme's
conversations, and the unmatched conversations discovery clusters.

Aggregates count kept conversations only, by their ``created_at`` in ``[since, until)`` (either
bound may be None). Trend maths and the choice of quotes belong to :mod:`convosift.themes`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.store.schema import classifications, conversations, conversations_with_results, theme_matches


@dataclass(frozen=True)
class KeptResult:
    """One kept conversation with its theme (None when unmatched) and category."""

    source: str
    conversation_id: str
    created_at: int
    signature: str | None
    category: str | None
    needs_review: bool = False
    """Its category was given with low confidence (or on no evidence): to be checked by a person."""


@dataclass(frozen=True)
class MatchEvidence:
    """The evidence quote a theme match stored for one conversation."""

    signature: str
    source: str
    conversation_id: str
    evidence: str
    score: float


@dataclass(frozen=True)
class ThemeMember:
    """A conversation matched to a theme, as a theme's page lists it (field order is the JSON order)."""

    source: str
    id: str
    created_at: int
    subject: str | None
    url: str | None
    category: str | None
    score: float
    evidence: str | None
    matcher: str


@dataclass(frozen=True)
class UnmatchedConversation:
    source: str
    id: str
    customer_text: str
    contact_id: str | None = None


def _kept_between(
    since: int | None, until: int | None, source: str | None = None
) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = [conversations.c.kept.is_(True)]
    if source is not None:
        clauses.append(conversations.c.source == source)
    if since is not None:
        clauses.append(conversations.c.created_at >= since)
    if until is not None:
        clauses.append(conversations.c.created_at < until)
    return clauses


def kept_results(
    conn: Connection, since: int | None, until: int | None, *, source: str | None = None
) -> list[KeptResult]:
    """Every kept conversation (of one source, if given) created in ``[since, until)``, with its
    theme and category."""
    query = (
        sa.select(
            conversations.c.source,
            conversations.c.id,
            conversations.c.created_at,
            theme_matches.c.signature,
            classifications.c.category,
            classifications.c.needs_review,
        )
        .select_from(conversations_with_results())
        .where(*_kept_between(since, until, source))
    )
    return [
        KeptResult(r.source, r.id, int(r.created_at), r.signature, r.category, bool(r.needs_review))
        for r in conn.execute(query)
    ]


def match_evidence(
    conn: Connection, since: int | None, until: int | None, *, source: str | None = None
) -> list[MatchEvidence]:
    """Evidence of matched kept conversations in ``[since, until)``: by signature, the best score first."""
    query = (
        sa.select(
            theme_matches.c.signature,
            theme_matches.c.source,
            theme_matches.c.conversation_id,
            theme_matches.c.evidence,
            theme_matches.c.score,
        )
        .select_from(
            theme_matches.join(
                conversations,
                sa.and_(
                    theme_matches.c.source == conversations.c.source,
                    theme_matches.c.conversation_id == conversations.c.id,
                ),
            )
        )
        .where(
            *_kept_between(since, until, source),
            theme_matches.c.signature.is_not(None),
            theme_matches.c.evidence.is_not(None),
        )
        .order_by(theme_matches.c.signature, theme_matches.c.score.desc(), theme_matches.c.conversation_id)
    )
    return [
        MatchEvidence(r.signature, r.source, r.conversation_id, r.evidence, float(r.score))
        for r in conn.execute(query)
    ]


def theme_members(
    conn: Connection, signature: str, since: int | None, until: int | None, *, limit: int, offset: int
) -> list[ThemeMember]:
    """A page of the kept conversations matched to ``signature`` in ``[since, until)``, newest first."""
    query = (
        sa.select(
            conversations.c.source,
            conversations.c.id,
            conversations.c.created_at,
            conversations.c.subject,
            conversations.c.url,
            classifications.c.category,
            theme_matches.c.score,
            theme_matches.c.evidence,
            theme_matches.c.matcher,
        )
        .select_from(conversations_with_results(themed_only=True))
        .where(*_kept_between(since, until), theme_matches.c.signature == signature)
        .order_by(conversations.c.created_at.desc(), conversations.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        ThemeMember(
            source=r.source,
            id=r.id,
            created_at=int(r.created_at),
            subject=r.subject,
            url=r.url,
            category=r.category,
            score=float(r.score),
            evidence=r.evidence,
            matcher=r.matcher,
        )
        for r in conn.execute(query)
    ]


def unmatched_conversations(
    conn: Connection, *, limit: int | None = None, excluded_categories: Collection[str] = ()
) -> list[UnmatchedConversation]:
    """Kept conversations the matcher left unmatched, newest first, at most ``limit`` (None: all).

    Conversations of ``excluded_categories`` are left out, unless that label is flagged for review
    (a guess, not a verdict); unclassified ones are not.
    """
    category = classifications.c.category
    query = (
        sa.select(
            conversations.c.source,
            conversations.c.id,
            conversations.c.customer_text,
            conversations.c.contact_id,
        )
        .select_from(conversations_with_results(themed_only=True))
        .where(conversations.c.kept.is_(True), theme_matches.c.signature.is_(None))
        .order_by(conversations.c.created_at.desc(), conversations.c.source, conversations.c.id)
        .limit(limit)
    )
    if excluded_categories:
        query = query.where(
            sa.or_(
                category.is_(None),
                category.not_in(excluded_categories),
                classifications.c.needs_review.is_(True),
            )
        )
    return [UnmatchedConversation(r.source, r.id, r.customer_text, r.contact_id) for r in conn.execute(query)]


def themed_signatures(conn: Connection) -> dict[str, int]:
    """How many stored conversations carry each theme."""
    query = (
        sa.select(theme_matches.c.signature, sa.func.count())
        .where(theme_matches.c.signature.is_not(None))
        .group_by(theme_matches.c.signature)
    )
    return {str(signature): int(count) for signature, count in conn.execute(query)}


def themed_count(conn: Connection) -> int:
    """How many stored conversations carry a theme."""
    query = (
        sa.select(sa.func.count()).select_from(theme_matches).where(theme_matches.c.signature.is_not(None))
    )
    return int(conn.execute(query).scalar_one())
