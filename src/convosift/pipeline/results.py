"""What one stored conversation counts for, and how a dry run previews it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from convosift.domain import Analysis, ClassificationStatus, RunCounts
from convosift.store import Store
from convosift.store.conversations import ConversationResult, StoredOutcome
from convosift.store.curation import curated_themes
from convosift.themes.matching import UNMATCHED_CATEGORIES


def outcome_counts(outcome: StoredOutcome) -> RunCounts:
    """What a run counts for one row it listed, fetched and wrote."""
    if outcome.skipped:
        return RunCounts(listed=1, fetched=1, skipped=1)
    row = RunCounts(listed=1, fetched=1, stored=1)
    if not outcome.kept:
        reason = outcome.quality_reason or "unspecified"
        return row.plus(RunCounts(filtered=1, filtered_by_reason={reason: 1}))
    return row.plus(
        RunCounts(
            classified=int(outcome.status == ClassificationStatus.CLASSIFIED.value),
            failed=int(outcome.status == ClassificationStatus.FAILED.value),
            themed=int(outcome.themed),
            unmatched=int(not outcome.themed),
            needs_review=int(outcome.needs_review),
        )
    )


def keep_curated(
    store: Store, source: str, stored: Collection[str], analyses: dict[str, Analysis]
) -> dict[str, Analysis]:
    """``analyses`` with the theme a person gave kept where the new analysis finds none.

    Accepting a proposal themes its members by a person's decision. Analysed again (a newer
    version, or ``--reanalyze``), a member may fall under the matcher's bar: that is no evidence
    against the decision, and the theme stays. A theme the matcher finds replaces it, and so does
    a sure junk label."""
    ids = [
        cid
        for cid, analysis in analyses.items()
        if cid in stored
        and analysis.theme.signature is None
        and not (
            analysis.classification.category in UNMATCHED_CATEGORIES
            and not analysis.classification.needs_review
        )
    ]
    if not ids:
        return analyses
    with store.read() as conn:
        curated = curated_themes(conn, source, ids)
    kept = {cid: analyses[cid].model_copy(update={"theme": theme}) for cid, theme in curated.items()}
    return analyses | kept


def preview_entry(result: ConversationResult) -> dict[str, Any]:
    """One dry-run result as the preview shows it."""
    c, analysis = result.conversation, result.analysis
    entry: dict[str, Any] = {
        "id": c.id,
        "updated_at": c.updated_at,
        "kept": result.quality.kept,
        "quality_reason": result.quality.reason,
        "subject": c.subject,
        "customer_text": c.customer_text[:300],
    }
    if analysis is not None:
        entry.update(
            {
                "classification_status": analysis.classification.status.value,
                "category": analysis.classification.category,
                "confidence": analysis.classification.confidence,
                "theme": analysis.theme.signature,
            }
        )
    return entry
