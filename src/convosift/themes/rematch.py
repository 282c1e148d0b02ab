"""Match the stored, still-unmatched conversations to the vocabulary, without classifying them again.

Accepting a proposal gives its theme to the proposal's members only. Earlier conversations of the
same kind that discovery left in another cluster, or in none, stay unmatched, while every new
conversation is matched as it arrives: the new theme would look as if it grew. :func:`rematch`
runs the local theme matcher (with its domain gate) over the stored unmatched conversations, a
batch at a time, one transaction per batch, and gives each match its evidence and score, and each
conversation it leaves unmatched the best theme's score (a near miss shows in exports). A
conversation already matched is never changed; spam is never matched, unless its label is flagged
for review. A conversation it themes leaves the open proposals it sat in.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from convosift.config import Settings
from convosift.store import Store
from convosift.store.conversations import ConversationResult
from convosift.store.curation import assign_unmatched, rescore_unmatched
from convosift.store.proposals import drop_settled_members
from convosift.store.themes import unmatched_conversations
from convosift.themes.domain import inbox_background
from convosift.themes.matching import UNMATCHED_CATEGORIES, LocalThemeMatcher
from convosift.themes.text import MAX_TEXT_CHARS
from convosift.themes.vocabulary import Vocabulary

REMATCH_BATCH = 500
"""Conversations matched and written per transaction."""


@dataclass(frozen=True)
class RematchResult:
    examined: int
    """Unmatched conversations read."""
    matched: int
    """Of them, the ones now matched to a theme."""
    by_theme: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"examined": self.examined, "matched": self.matched, "by_theme": dict(self.by_theme)}


def rematch(
    store: Store,
    settings: Settings,
    vocabulary: Vocabulary,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> RematchResult:
    """Match the stored unmatched conversations to ``vocabulary``'s themes; ``progress(done, total)``."""
    with store.read() as conn:
        pending = unmatched_conversations(conn, excluded_categories=UNMATCHED_CATEGORIES)
    if not vocabulary.themes or not pending:
        return RematchResult(examined=len(pending), matched=0)
    background = inbox_background(store, vocabulary) if settings.themes_contrast_proposals else None
    matcher = LocalThemeMatcher(vocabulary, settings, background=background)
    by_theme: Counter[str] = Counter()
    for start in range(0, len(pending), REMATCH_BATCH):
        chunk = pending[start : start + REMATCH_BATCH]
        matches = matcher.match_texts([c.customer_text[:MAX_TEXT_CHARS] for c in chunk])
        members: dict[str, list[tuple[str, str]]] = {}
        evidence: dict[tuple[str, str], str] = {}
        scores: dict[tuple[str, str], float] = {}
        near: dict[tuple[str, str], float] = {}
        for conversation, match in zip(chunk, matches, strict=True):
            key = (conversation.source, conversation.id)
            if match.signature is None:
                near[key] = match.score
                continue
            members.setdefault(match.signature, []).append(key)
            scores[key] = match.score
            if match.evidence:
                evidence[key] = match.evidence
        with store.write() as conn:
            for signature, keys in members.items():
                by_theme[signature] += assign_unmatched(
                    conn, keys, signature, matcher=matcher.name, evidence=evidence, scores=scores
                )
            # The ones left unmatched show how near they came, as a backfill's unmatched rows do.
            rescore_unmatched(conn, near, matcher=matcher.name)
            # A conversation now themed is no longer what an open proposal would theme.
            drop_settled_members(conn, [key for keys in members.values() for key in keys], time.time())
        if progress is not None:
            progress(start + len(chunk), len(pending))
    return RematchResult(examined=len(pending), matched=sum(by_theme.values()), by_theme=dict(by_theme))


def settled(
    source: str, results: Sequence[ConversationResult], stored_before: Collection[str]
) -> list[tuple[str, str]]:
    """The conversations of a run's batch that leave the open proposals they sat in: stored before
    (only those can be members), and now with a theme or filtered out. A proposal counts what
    accepting it would still theme, as after :func:`rematch`."""
    return [
        (source, r.conversation.id)
        for r in results
        if r.conversation.id in stored_before
        and (r.analysis is None or r.analysis.theme.signature is not None)
    ]
