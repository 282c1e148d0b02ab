"""Seeding helpers of the themes tests: analysed conversations written through the store's own API."""

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

DAY = 86_400
# Monday 2026-01-05 00:00 UTC: seeded data starts on a week boundary.
START = 1_767_571_200


@dataclass(frozen=True)
class Seed:
    id: str
    created_at: int
    text: str
    signature: str | None
    category: str | None = "product_issue"
    evidence: str | None = None
    kept: bool = True
    score: float = 0.8
    needs_review: bool = False
    contact_id: str | None = None


def seed(store: Store, rows: Sequence[Seed], source: str = "intercom") -> None:
    results = []
    for row in rows:
        conversation = Conversation(
            id=row.id,
            created_at=row.created_at,
            updated_at=row.created_at,
            opener=row.text,
            contact_id=row.contact_id,
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
                    score=row.score if row.signature else 0.1,
                    evidence=row.evidence or (row.text if row.signature else None),
                    matcher="test",
                ),
            )
        results.append(ConversationResult(conversation, QualityOutcome(kept=row.kept), analysis))
    with store.write() as conn:
        save_results(conn, source, "run1", 0.0, results)
