"""The local analyzer's rule for combining a category with a theme."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from convosift.analysis.local import LocalAnalyzer
from convosift.classify.categories import LocalCategoryClassifier
from convosift.config import load_settings
from convosift.domain import Classification, ClassificationStatus, Conversation
from convosift.themes.matching import LocalThemeMatcher
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary

TEXT = "Our Shopify shop will not link, authorization fails."


class _SaysSpam(LocalCategoryClassifier):
    """The real classifier's contract, with a fixed verdict: spam, sure or flagged for review."""

    def __init__(self, review: bool) -> None:
        super().__init__(load_settings())
        self.review = review

    def classify(self, texts: Sequence[str]) -> list[Classification]:
        verdict = Classification(
            status=ClassificationStatus.CLASSIFIED,
            category="spam",
            confidence=0.5 if self.review else 0.97,
            classifier="local",
            needs_review=self.review,
        )
        return [verdict for _ in texts]


def test_spam_keeps_a_theme_away_only_when_it_is_not_a_guess_for_review() -> None:
    matcher = LocalThemeMatcher(load_vocabulary(demo_vocabulary_path()), load_settings())
    conversation = Conversation(id="c1", created_at=0, updated_at=0, opener=TEXT)
    sure = asyncio.run(LocalAnalyzer(_SaysSpam(review=False), matcher).analyze([conversation]))
    guess = asyncio.run(LocalAnalyzer(_SaysSpam(review=True), matcher).analyze([conversation]))
    assert sure[0].theme.signature is None
    assert guess[0].theme.signature == "shopify_store_connection_fails"
