"""The local analyzer: the embedded category classifier and the local theme matcher together."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from convosift.config import Settings
from convosift.domain import Analysis, ClassificationStatus, Conversation

MAX_TEXT_CHARS = 2000
"""Characters of customer text the local models read."""

if TYPE_CHECKING:
    from convosift.classify.categories import LocalCategoryClassifier
    from convosift.store import Store
    from convosift.themes.matching import LocalThemeMatcher


class LocalAnalyzer:
    """Embedded category classifier + local theme matcher, run off the event loop (CPU work)."""

    def __init__(self, categories: LocalCategoryClassifier, themes: LocalThemeMatcher) -> None:
        self._categories = categories
        self._themes = themes
        self.name = f"local:{themes.name}"

    def warm_up(self) -> None:
        """Train or load both models now, so the first batch does not pay for it."""
        self._categories.classify(["warm up"])
        self._themes.match_texts(["warm up"])

    def _analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        # The issue is stated early; long threads only add noise and cost (embedding pads to the longest).
        texts = [c.customer_text[:MAX_TEXT_CHARS] for c in conversations]
        classifications = self._categories.classify(texts)
        # A category vetoes a theme (spam gets none) only when it is not itself a guess for review.
        categories = [
            c.category if c.status is ClassificationStatus.CLASSIFIED and not c.needs_review else None
            for c in classifications
        ]
        matches = self._themes.match(conversations, categories)
        return [
            Analysis(classification=classification, theme=match)
            for classification, match in zip(classifications, matches, strict=True)
        ]

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        if not conversations:
            return []
        return await asyncio.to_thread(self._analyze, conversations)

    async def aclose(self) -> None:
        return None


def build_local_analyzer(settings: Settings, store: Store | None = None) -> LocalAnalyzer:
    """The local analyzer; with ``store``, themes are also told apart from the inbox's other
    topics (:func:`convosift.themes.domain.inbox_background`)."""
    from convosift.classify.categories import LocalCategoryClassifier
    from convosift.themes.domain import inbox_background
    from convosift.themes.matching import LocalThemeMatcher
    from convosift.themes.vocabulary import load_vocabulary_for

    vocabulary = load_vocabulary_for(settings)
    background = None
    if store is not None and settings.themes_contrast_proposals and vocabulary.active:
        background = inbox_background(store, vocabulary)
    return LocalAnalyzer(
        LocalCategoryClassifier(settings), LocalThemeMatcher(vocabulary, settings, background=background)
    )
