"""Seeding helper of the store tests: analysed conversations written with ``save_results``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convosift.domain import (
    Analysis,
    Classification,
    ClassificationStatus,
    Conversation,
    QualityOutcome,
    ThemeMatch,
)
from convosift.store import Store
from convosift.store.conversations import ConversationResult, save_results


@dataclass(frozen=True)
class Stored:
    """One conversation as a run would store it (``kept=False``: filtered, so no analysis)."""

    id: str
    created_at: int
    signature: str | None = None
    category: str | None = "product_issue"
    evidence: str | None = None
    score: float = 0.5
    kept: bool = True
    text: str = "The export button does nothing."
    matcher: str = "test"
    proposed_signature: str | None = None
    needs_review: bool = False


def store_results(store: Store, rows: Sequence[Stored], source: str = "intercom") -> None:
    results = []
    for row in rows:
        conversation = Conversation(
            id=row.id,
            created_at=row.created_at,
            updated_at=row.created_at,
            subject=f"subject of {row.id}",
            url=f"https://example.test/{row.id}",
            opener=row.text,
        )
        analysis = None
        if row.kept:
            status = ClassificationStatus.CLASSIFIED if row.category else ClassificationStatus.UNCLASSIFIED
            analysis = Analysis(
                classification=Classification(
                    status=status,
                    category=row.category,
                    confidence=0.9,
                    classifier="test",
                    needs_review=row.needs_review,
                ),
                theme=ThemeMatch(
                    signature=row.signature,
                    score=row.score,
                    evidence=row.evidence,
                    matcher=row.matcher,
                    proposed_signature=row.proposed_signature,
                ),
            )
        quality = QualityOutcome(kept=row.kept, reason=None if row.kept else "automated")
        results.append(ConversationResult(conversation, quality, analysis))
    with store.write() as conn:
        save_results(conn, source, "run1", 0.0, results)
