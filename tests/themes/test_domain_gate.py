"""The out-of-domain gate: one business's vocabulary does not capture another's conversations."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from convosift import yamlfiles
from convosift.config import load_settings
from convosift.domain import Conversation
from convosift.ml.messages import BACKGROUND_FILE
from convosift.mock.inbox import generate_inbox
from convosift.sources.intercom.normalize import normalize_conversation
from convosift.themes import domain
from convosift.themes.domain import background_texts, gate_version
from convosift.themes.matching import LocalThemeMatcher
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary
from shared_data import BANKING77


def test_background_covers_many_industries_and_can_leave_one_out() -> None:
    every = background_texts()
    assert len(every) >= 2000
    assert len(background_texts(("banking",))) < len(every)
    # The gate's own messages are grouped by industry as well, some of them industries no seed
    # file has.
    assert len(background_texts(("airlines",))) < len(every)


def test_the_gates_own_messages_are_grouped_by_industry() -> None:
    data = yamlfiles.safe_load(BACKGROUND_FILE.read_text(encoding="utf-8"))
    industries = data["industries"]
    assert len(industries) == 21
    texts = [text for items in industries.values() for text in items]
    assert len(texts) == len(set(texts)) == 722
    assert all(isinstance(text, str) and text.strip() for text in texts)
    assert set(texts) <= set(background_texts())


def test_the_gate_is_named_by_its_background_and_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = gate_version()
    gate_version.cache_clear()
    monkeypatch.setattr(domain, "DOMAIN_PROBABILITY", 0.3)
    try:
        assert gate_version() != shipped
    finally:
        gate_version.cache_clear()


@pytest.mark.skipif(not BANKING77.exists(), reason="BANKING77 is not beside the repository")
def test_a_banks_requests_rarely_match_a_software_shops_themes(tmp_path: Path) -> None:
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        texts = random.Random(3).sample([row["text"] for row in csv.DictReader(handle)], 1000)
    settings = load_settings(cache_dir=tmp_path)
    vocabulary = load_vocabulary(demo_vocabulary_path())
    matcher = LocalThemeMatcher(vocabulary, settings)
    gated = sum(m.signature is not None for m in matcher.match_texts(texts))
    ungated = LocalThemeMatcher(vocabulary, settings, threshold=0.0).match_texts(texts)
    without_gate = sum(m.score >= matcher.threshold for m in ungated)
    # Each theme competes with the other businesses' messages on its own: generic requests
    # ("I want a refund", "my card was declined") go to them, not to a theme: 43 of the 504 that
    # pass the threshold (58 with the seed texts alone as the background, at a bar of 0.25).
    assert gated <= without_gate / 10, (gated, without_gate)
    assert gated <= 0.06 * len(texts), gated


def test_the_shops_own_conversations_keep_their_themes(tmp_path: Path) -> None:
    items = [i for i in generate_inbox(1500, 5) if i.truth.expected_filter == "kept" and i.truth.theme]
    matcher = LocalThemeMatcher(load_vocabulary(demo_vocabulary_path()), load_settings(cache_dir=tmp_path))
    matches = matcher.match([normalize_conversation(i.conversation) for i in items])
    right = sum(m.signature == i.truth.theme for m, i in zip(matches, items, strict=True))
    assert right / len(items) >= 0.88


def test_a_generic_request_needs_the_themes_specifics_or_its_page(tmp_path: Path) -> None:
    matcher = LocalThemeMatcher(load_vocabulary(demo_vocabulary_path()), load_settings(cache_dir=tmp_path))
    generic = "My card was declined."
    specific = "My card is refused when I try to upgrade to the Growth plan."
    by_text = matcher.match_texts([generic, specific])
    assert [m.signature for m in by_text] == [None, "card_declined_on_plan_upgrade"]
    # The same generic words, written from the theme's page of the product, are of this business.
    on_page = Conversation(
        id="c1",
        created_at=1_750_000_000,
        updated_at=1_750_000_000,
        opener=generic,
        url="https://app.harbortide.example/app/billing/plan",
    )
    assert matcher.match([on_page])[0].signature == "card_declined_on_plan_upgrade"


def test_a_theme_of_a_title_alone_leaves_the_gate_calibrated(tmp_path: Path) -> None:
    """One label with a single text used to switch the whole gate to uncalibrated scores."""
    from convosift.themes.vocabulary import Theme, Vocabulary

    vocabulary = load_vocabulary(demo_vocabulary_path())
    extended = Vocabulary(
        themes=(*vocabulary.themes, Theme(signature="dark_mode_request", title="Dark mode"))
    )
    texts = ["I was charged twice this month", "The Shopify link breaks", "My card was declined."]
    settings = load_settings(cache_dir=tmp_path)
    before = LocalThemeMatcher(vocabulary, settings)._model().gate.probabilities(texts)
    after = LocalThemeMatcher(extended, settings)._model().gate.probabilities(texts)
    assert list(after) == pytest.approx(list(before), abs=0.05)


def test_a_gate_with_nothing_to_contrast_lets_every_text_through(tmp_path: Path) -> None:
    vocabulary = load_vocabulary(demo_vocabulary_path())
    matcher = LocalThemeMatcher(vocabulary, load_settings(cache_dir=tmp_path), background=[])
    assert list(matcher._model().gate.probabilities(["My card was declined.", ""])) == [1.0, 1.0]
    assert matcher.match_texts(["The Shopify link breaks during the permission step"])[0].signature == (
        "shopify_store_connection_fails"
    )


def test_a_vocabulary_of_a_few_accepted_proposals_keeps_its_own_requests(tmp_path: Path) -> None:
    """A first theme of eight examples against 2,000 background texts: the gate's prior for it was
    a hundredth, and paraphrases of its own requests were judged "elsewhere" (0.02 to 0.2)."""
    from convosift.themes.vocabulary import Theme, Vocabulary

    theme = Theme(
        signature="exchange_rate",
        title="Exchange rate",
        examples=(
            "What is an exchange rate?",
            "What exchange rate is it?",
            "What will my exchange rate be?",
            "How do you determine exchange rates?",
            "what are your exchange rates at?",
            "I want to know your exchange rates.",
            "How do you find the exchange rate?",
            "How will I know what the exchange rate is?",
        ),
    )
    paraphrases = [
        "Is the exchange rate the same on weekends as the weekdays?",
        "How do you do currency exchanges?",
        "On my last trip, I received the incorrect exchange rate.",
        "Does this app have the same exchange rate as third parties?",
    ]
    other_topics = ["My card was declined.", "How do I reset my password?", "I want to cancel my plan"]
    settings = load_settings(cache_dir=tmp_path)
    matcher = LocalThemeMatcher(Vocabulary(themes=(theme,)), settings)
    matches = matcher.match_texts(paraphrases + other_topics)
    assert [m.signature for m in matches] == ["exchange_rate"] * 4 + [None] * 3
    # Without the prior set to the reference share, most of them were turned away.
    gate = matcher._model().gate
    raw = domain.DomainGate(gate.vocabulary_texts, gate.themes, tmp_path)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(domain, "REFERENCE_SHARE", 0.0)
        turned_away = sum(p < domain.DOMAIN_PROBABILITY for p in raw.probabilities(paraphrases))
    assert turned_away >= 3
