"""Conversation rows with their quality outcome, classification and theme match."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from convosift.domain import Analysis, ClassificationStatus, Conversation, QualityOutcome, Skipped
from convosift.store.proposals import list_proposals
from convosift.store.schema import (
    NAME_LENGTH,
    classifications,
    conversations,
    conversations_with_results,
    skipped,
    theme_matches,
)
from convosift.store.upsert import upsert


@dataclass(frozen=True)
class StoredVersion:
    """What the store holds for one id: its ``updated_at`` and the run that wrote it."""

    updated_at: int | None
    run_id: str
    skipped: bool
    failed: bool = False
    """Its classification failed: a later run analyses it again even when it is unchanged."""
    seen_run_id: str | None = None
    """The last run that found it unchanged (see :func:`mark_unchanged`)."""


@dataclass(frozen=True)
class ConversationResult:
    """One conversation as the pipeline decided it: kept or filtered, and its analysis if kept."""

    conversation: Conversation
    quality: QualityOutcome
    analysis: Analysis | None


def stored_versions(conn: Connection, source: str, ids: Sequence[str]) -> dict[str, StoredVersion]:
    """Stored versions of ``ids`` (conversations and skipped records) in one query."""
    if not ids:
        return {}
    failed = sa.func.coalesce(classifications.c.status == ClassificationStatus.FAILED.value, False)
    stored = (
        sa.select(
            conversations.c.id,
            conversations.c.updated_at,
            conversations.c.run_id,
            sa.literal(False).label("skip"),
            failed.label("failed"),
            conversations.c.seen_run_id,
        )
        .select_from(
            conversations.outerjoin(
                classifications,
                sa.and_(
                    classifications.c.source == conversations.c.source,
                    classifications.c.conversation_id == conversations.c.id,
                ),
            )
        )
        .where(conversations.c.source == source, conversations.c.id.in_(ids))
    )
    gone = sa.select(
        skipped.c.id,
        skipped.c.updated_at,
        skipped.c.run_id,
        sa.literal(True).label("skip"),
        sa.literal(False).label("failed"),
        sa.cast(sa.null(), sa.String(32)).label("seen_run_id"),
    ).where(skipped.c.source == source, skipped.c.id.in_(ids))
    found: dict[str, StoredVersion] = {}
    for row in conn.execute(sa.union_all(stored, gone)):
        version = StoredVersion(
            updated_at=row.updated_at,
            run_id=row.run_id,
            skipped=bool(row.skip),
            failed=bool(row.failed),
            seen_run_id=row.seen_run_id,
        )
        # Storing a conversation deletes its skipped record, so when both exist the skipped
        # record is the newer: the last fetch failed, and a later run tries again.
        if row.id not in found or version.skipped:
            found[row.id] = version
    return found


@dataclass(frozen=True)
class StoredOutcome:
    """What the stored row of one id says: skipped, or kept or filtered, and how it was analysed."""

    skipped: bool
    kept: bool = False
    quality_reason: str | None = None
    status: str | None = None
    needs_review: bool = False
    themed: bool = False


def stored_outcomes(
    conn: Connection, source: str, ids: Sequence[str], *, run_id: str
) -> dict[str, StoredOutcome]:
    """The stored outcome of each of ``ids`` whose row ``run_id`` wrote (a conversation wins over a
    skipped record)."""
    if not ids:
        return {}
    joined = conversations.outerjoin(
        classifications,
        sa.and_(
            classifications.c.source == conversations.c.source,
            classifications.c.conversation_id == conversations.c.id,
        ),
    ).outerjoin(
        theme_matches,
        sa.and_(
            theme_matches.c.source == conversations.c.source,
            theme_matches.c.conversation_id == conversations.c.id,
        ),
    )
    query = (
        sa.select(
            conversations.c.id,
            conversations.c.kept,
            conversations.c.quality_reason,
            classifications.c.status,
            classifications.c.needs_review,
            theme_matches.c.signature,
        )
        .select_from(joined)
        .where(
            conversations.c.source == source,
            conversations.c.id.in_(ids),
            conversations.c.run_id == run_id,
        )
    )
    found = {
        row.id: StoredOutcome(
            skipped=False,
            kept=bool(row.kept),
            quality_reason=row.quality_reason,
            status=row.status,
            needs_review=bool(row.needs_review),
            themed=row.signature is not None,
        )
        for row in conn.execute(query)
    }
    gone = sa.select(skipped.c.id).where(
        skipped.c.source == source, skipped.c.id.in_(ids), skipped.c.run_id == run_id
    )
    for record_id in conn.execute(gone).scalars():
        found.setdefault(record_id, StoredOutcome(skipped=True))
    return found


def mark_unchanged(conn: Connection, source: str, run_id: str, ids: Sequence[str]) -> None:
    """``run_id`` found ``ids`` stored unchanged: if it lists them again (its window restarted
    after a cursor expired, or it resumed), it does not count them twice. One mark per row: the
    last run's."""
    if ids:
        where = sa.and_(
            conversations.c.source == source,
            conversations.c.id.in_(ids),
            sa.or_(conversations.c.seen_run_id.is_(None), conversations.c.seen_run_id != run_id),
        )
        conn.execute(sa.update(conversations).where(where).values(seen_run_id=run_id))


def seen_unchanged(conn: Connection, source: str, ids: Sequence[str], *, run_id: str) -> set[str]:
    """Those of ``ids`` that ``run_id`` found stored unchanged (see :func:`mark_unchanged`)."""
    if not ids:
        return set()
    query = sa.select(conversations.c.id).where(
        conversations.c.source == source, conversations.c.id.in_(ids), conversations.c.seen_run_id == run_id
    )
    return set(conn.execute(query).scalars())


def save_results(
    conn: Connection, source: str, run_id: str, now: float, results: Sequence[ConversationResult]
) -> None:
    """Upsert conversations with their classification and theme (filtered ones lose any old analysis)."""
    if not results:
        return
    upsert(conn, conversations, [_conversation_row(source, run_id, now, r) for r in results])
    ids = [r.conversation.id for r in results]
    conn.execute(sa.delete(skipped).where(skipped.c.source == source, skipped.c.id.in_(ids)))
    dropped = [r.conversation.id for r in results if r.analysis is None]
    for table in (classifications, theme_matches):
        if dropped:
            conn.execute(
                sa.delete(table).where(table.c.source == source, table.c.conversation_id.in_(dropped))
            )
    analysed = [(r.conversation.id, r.analysis) for r in results if r.analysis is not None]
    upsert(conn, classifications, [_classification_row(source, cid, a) for cid, a in analysed])
    upsert(conn, theme_matches, [_theme_row(source, cid, a) for cid, a in analysed])


def skipped_records(conn: Connection, *, reason: str | None = None) -> Iterator[dict[str, Any]]:
    """Every skipped record in ``(source, id)`` order, with its reason, detail and run."""
    query = sa.select(
        skipped.c.source,
        skipped.c.id,
        skipped.c.reason,
        skipped.c.detail,
        skipped.c.updated_at,
        skipped.c.run_id,
        skipped.c.recorded_at,
    ).order_by(skipped.c.source, skipped.c.id)
    if reason is not None:
        query = query.where(skipped.c.reason == reason)
    for row in conn.execute(query):
        yield dict(row._mapping)


def save_skipped(conn: Connection, source: str, run_id: str, now: float, records: Sequence[Skipped]) -> None:
    rows = [
        {
            "source": source,
            "id": r.id,
            "updated_at": r.updated_at,
            "reason": r.reason,
            "detail": r.detail[:2000],
            "run_id": run_id,
            "recorded_at": now,
        }
        for r in records
    ]
    upsert(conn, skipped, rows)


def _conversation_row(source: str, run_id: str, now: float, result: ConversationResult) -> dict[str, Any]:
    c = result.conversation
    return {
        "source": source,
        "id": c.id,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "state": c.state,
        "author_type": c.author_type,
        "subject": c.subject,
        "url": c.url,
        "contact_id": c.contact_id,
        "tags": list(c.tags),
        "customer_text": c.customer_text,
        "kept": result.quality.kept,
        "quality_reason": result.quality.reason,
        "raw": c.raw,
        "run_id": run_id,
        "ingested_at": now,
        "seen_run_id": None,  # written by the run: no longer a row it only found unchanged
    }


def fit_name(name: str) -> str:
    """``name`` as the store keeps it: whole when it fits :data:`NAME_LENGTH`, else cut and ended
    by a digest of the whole, so two long names stay two names. A user's LLM deployment name, or
    a composed model name that grew, must not fail a batch on PostgreSQL (SQLite keeps any length)."""
    if len(name) <= NAME_LENGTH:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return f"{name[: NAME_LENGTH - len(digest) - 1]}~{digest}"


def _classification_row(source: str, conversation_id: str, analysis: Analysis) -> dict[str, Any]:
    k = analysis.classification
    return {
        "source": source,
        "conversation_id": conversation_id,
        "status": k.status.value,
        "category": k.category if k.status is ClassificationStatus.CLASSIFIED else None,
        "confidence": k.confidence,
        "classifier": fit_name(k.classifier),
        "model": fit_name(k.model),
        "needs_review": k.needs_review,
        "error": k.error,
    }


def _theme_row(source: str, conversation_id: str, analysis: Analysis) -> dict[str, Any]:
    t = analysis.theme
    return {
        "source": source,
        "conversation_id": conversation_id,
        "signature": t.signature,
        "score": t.score,
        "evidence": t.evidence,
        "matcher": fit_name(t.matcher),
        "proposed_signature": t.proposed_signature,
    }


EXPORT_COLUMNS = (
    "source",
    "id",
    "created_at",
    "updated_at",
    "state",
    "subject",
    "url",
    "kept",
    "quality_reason",
    "classification_status",
    "category",
    "confidence",
    "needs_review",
    "classifier",
    "theme",
    "theme_score",
    "proposal",
    "customer_text",
)


def export_rows(conn: Connection, *, source: str | None = None, batch: int = 500) -> Iterator[dict[str, Any]]:
    """Every stored conversation (of one source, if given) in ``(source, id)`` order, without
    run-specific columns.

    ``theme`` is the matched theme's signature; ``proposal`` the id of the open proposal the
    conversation sits in (None when it is in none).
    """
    in_proposal = {(s, i): p.id for p in list_proposals(conn) for s, i in p.members}
    c, k, t = conversations.c, classifications.c, theme_matches.c
    query = (
        sa.select(
            c.source,
            c.id,
            c.created_at,
            c.updated_at,
            c.state,
            c.subject,
            c.url,
            c.kept,
            c.quality_reason,
            k.status.label("classification_status"),
            k.category,
            k.confidence,
            k.needs_review,
            k.classifier,
            t.signature.label("theme"),
            t.score.label("theme_score"),
            c.customer_text,
        )
        .select_from(conversations_with_results())
        .order_by(c.source, c.id)
    )
    if source is not None:
        query = query.where(c.source == source)
    for row in conn.execution_options(yield_per=batch).execute(query):
        values = dict(row._mapping)
        values["kept"] = bool(values["kept"])
        values["proposal"] = in_proposal.get((values["source"], values["id"]))
        if values["needs_review"] is not None:
            values["needs_review"] = bool(values["needs_review"])
        yield values


def any_stored(conn: Connection) -> bool:
    """Whether any conversation is stored (without counting them)."""
    return bool(conn.execute(sa.select(sa.exists().select_from(conversations))).scalar())


def count_rows(conn: Connection, source: str | None = None) -> dict[str, int]:
    """Row counts per table (for summaries and tests)."""
    counts = {}
    for table in (conversations, classifications, theme_matches, skipped):
        query = sa.select(sa.func.count()).select_from(table)
        if source is not None:
            query = query.where(table.c.source == source)
        counts[table.name] = int(conn.execute(query).scalar_one())
    return counts
