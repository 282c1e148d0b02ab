"""The shipped vocabulary on the synthetic demo inbox: themes recovered, planted spike detected."""

from __future__ import annotations

from collections import Counter

import pytest

from convosift.config import load_settings
from convosift.domain import (
    Analysis,
    Classification,
    ClassificationStatus,
    Conversation,
    QualityOutcome,
    ThemeMatch,
)
from convosift.mock.catalog import SPIKE_THEME
from convosift.mock.inbox import GroundTruth, generate_inbox
from convosift.sources.intercom.normalize import normalize_conversation
from convosift.store import Store
from convosift.store.conversations import ConversationResult, save_results
from convosift.themes.aggregates import rising_themes, theme_summary
from convosift.themes.matching import LocalThemeMatcher
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary

Matched = list[tuple[Conversation, GroundTruth, ThemeMatch]]


@pytest.fixture(scope="module")
def matched() -> Matched:
    kept = [
        (normalize_conversation(item.conversation), item.truth)
        for item in generate_inbox(2500, seed=5)
        if item.truth.expected_filter == "kept"
    ]
    matcher = LocalThemeMatcher(load_vocabulary(demo_vocabulary_path()), load_settings())
    matches = matcher.match([c for c, _ in kept], [t.category for _, t in kept])
    return [(c, t, m) for (c, t), m in zip(kept, matches, strict=True)]


def test_matches_recover_the_generator_themes(matched: Matched) -> None:
    predicted = [m.signature for _, _, m in matched]
    gold = [t.theme for _, t, _ in matched]
    hits = sum(p is not None and p == g for p, g in zip(predicted, gold, strict=True))
    precision = hits / sum(p is not None for p in predicted)
    recall = hits / sum(g is not None for g in gold)
    assert precision >= 0.95 and recall >= 0.85, (precision, recall)
    found = {s for s, n in Counter(p for p in predicted if p).items() if n >= 3}
    assert found == {g for g in gold if g}
    assert all(m.evidence for _, _, m in matched if m.signature)


def test_rising_themes_find_the_planted_spike(matched: Matched, store: Store) -> None:
    results = [
        ConversationResult(
            c,
            QualityOutcome(kept=True),
            Analysis(
                classification=Classification(
                    status=ClassificationStatus.CLASSIFIED,
                    category=t.category,
                    confidence=1.0,
                    classifier="ground-truth",
                ),
                theme=m,
            ),
        )
        for c, t, m in matched
    ]
    with store.write() as conn:
        save_results(conn, "mock", "run", 0.0, results)
    rising = [
        r["signature"]
        for r in rising_themes(theme_summary(store, vocabulary=load_vocabulary(demo_vocabulary_path())))
    ]
    assert rising == [SPIKE_THEME]
