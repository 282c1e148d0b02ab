"""The local theme matcher on the shipped vocabulary: themes, unmatched, boosts and evidence."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from convosift.config import load_settings
from convosift.domain import Conversation, Message
from convosift.ml.framing import issue_text
from convosift.themes import matching
from convosift.themes.matching import (
    DEFAULT_FEW_SHOT_THRESHOLD,
    KEYWORD_BOOST,
    URL_BOOST,
    LocalThemeMatcher,
)
from convosift.themes.vocabulary import Theme, Vocabulary, demo_vocabulary_path, load_vocabulary
from shared_data import BANKING77


def _conversation(text: str, url: str | None = None, follow_up: str | None = None) -> Conversation:
    messages = (
        (Message(id="m1", part_type="comment", author_type="user", body=follow_up),) if follow_up else ()
    )
    return Conversation(
        id=str(abs(hash(text))), created_at=0, updated_at=0, opener=text, url=url, messages=messages
    )


@pytest.fixture(scope="module")
def matcher() -> LocalThemeMatcher:
    return LocalThemeMatcher(load_vocabulary(demo_vocabulary_path()), load_settings())


def test_conversations_get_their_theme_and_the_sentence_that_carries_it(matcher: LocalThemeMatcher) -> None:
    conversations = [
        _conversation(
            "Hello team! Our Shopify shop will not link to Harbortide, authorization fails. Cheers, Ana"
        ),
        _conversation(
            "Good morning. When I print a shipping label I only get an empty white PDF page. Thanks"
        ),
        _conversation("Hi there, the coupon code gets accepted but nothing is taken off the total. Regards"),
        _conversation("hey, new WooCommerce orders stopped syncing over since yesterday"),
    ]
    matches = matcher.match(conversations)
    assert [m.signature for m in matches] == [
        "shopify_store_connection_fails",
        "shipping_label_pdf_blank",
        "discount_code_not_applied",
        "woocommerce_orders_not_syncing",
    ]
    assert matches[0].evidence == "Our Shopify shop will not link to Harbortide, authorization fails."
    assert matches[1].evidence == "When I print a shipping label I only get an empty white PDF page."
    assert all(m.score >= matcher.threshold and m.matcher == matcher.name for m in matches)
    assert load_vocabulary(demo_vocabulary_path()).content_hash in matcher.name


def test_off_topic_spam_and_empty_conversations_are_unmatched(matcher: LocalThemeMatcher) -> None:
    conversations = [
        _conversation("My grandmother's lasagna recipe uses three cheeses and a lot of basil."),
        _conversation("Our Shopify shop will not link, authorization fails."),
        _conversation(""),
    ]
    matches = matcher.match(conversations, categories=["general_inquiry", "spam", None])
    assert [m.signature for m in matches] == [None, None, None]
    assert all(m.evidence is None for m in matches)


def test_keywords_and_page_url_raise_the_score(matcher: LocalThemeMatcher) -> None:
    plain = _conversation("Something is wrong with the numbers for yesterday, they look shifted.")
    with_url = _conversation(plain.opener, url="https://app.harbortide.example/app/reports/dashboard")
    with_keyword = _conversation(plain.opener + " Probably a timezone thing.")
    both = _conversation(with_keyword.opener, url=with_url.url)
    matches = matcher.match([plain, with_url, with_keyword, both])
    assert matches[1].score == pytest.approx(matches[0].score + URL_BOOST, abs=1e-3)
    assert matches[2].score > matches[0].score + KEYWORD_BOOST
    assert matches[0].signature is None
    assert matches[3].signature == "dashboard_revenue_timezone_mismatch"
    assert matches[3].evidence == plain.opener


def test_follow_ups_count_and_an_empty_batch_is_fine(matcher: LocalThemeMatcher) -> None:
    conversation = _conversation("Hi!", follow_up="The theme editor is just white in Safari on my Mac.")
    assert matcher.match([conversation])[0].signature == "theme_editor_blank_in_safari"
    assert matcher.match([]) == []


def test_threshold_comes_from_the_argument_then_the_vocabulary() -> None:
    vocabulary = load_vocabulary(demo_vocabulary_path())
    assert LocalThemeMatcher(vocabulary, load_settings()).threshold == vocabulary.match_threshold
    assert LocalThemeMatcher(vocabulary, load_settings(), threshold=0.9).threshold == 0.9


def test_default_threshold_follows_the_size_of_the_vocabulary(tmp_path: Path) -> None:
    """A few examples per theme give a blended score, a hundred a novelty score: two defaults."""
    vocabulary = load_vocabulary(demo_vocabulary_path())
    few = Vocabulary(themes=vocabulary.themes)
    assert few.match_threshold is None
    assert LocalThemeMatcher(few, load_settings(cache_dir=tmp_path)).threshold == DEFAULT_FEW_SHOT_THRESHOLD


@pytest.mark.parametrize(
    "themes", [(), (Theme(signature="only", title="Only", status="proposed"),)], ids=["empty", "none-active"]
)
def test_a_vocabulary_without_active_themes_matches_nothing(themes: tuple[Theme, ...]) -> None:
    matcher = LocalThemeMatcher(Vocabulary(themes=themes), load_settings())
    matches = matcher.match_texts(["I was charged twice", "the app crashes", ""])
    assert [m.signature for m in matches] == [None, None, None]
    assert all(m.matcher == matcher.name and m.score == 0.0 for m in matches)


def test_the_shipped_vocabulary_is_too_small_for_a_novelty_detector(matcher: LocalThemeMatcher) -> None:
    # About seven texts per theme: the match score stays the blend its threshold was chosen for.
    assert not matcher._model().classifier.has_detector


def test_a_large_vocabulary_scores_with_the_novelty_detector_plus_boosts(tmp_path: Path) -> None:
    if not BANKING77.exists():
        pytest.skip(f"{BANKING77} is not available")
    with Path(BANKING77).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = sorted({row["category"] for row in rows if row["category"].islower()})[:15]
    texts = {name: [row["text"] for row in rows if row["category"] == name] for name in names}
    unseen = [row["text"] for row in rows if row["category"] not in names][:60]
    themes = [
        Theme(
            signature=name,
            title=name.replace("_", " "),
            keywords=("activate",) if name == "activate_my_card" else (),
            examples=tuple(texts[name][:40]),
        )
        for name in names
    ]
    matcher = LocalThemeMatcher(
        Vocabulary(themes=tuple(themes)), load_settings(cache_dir=tmp_path), threshold=0.0
    )
    classifier = matcher._model().classifier
    assert classifier.has_detector
    known = [text for name in names for text in texts[name][40:44]]
    # The matcher reads each text without its framing (a greeting, thanks): so does the expectation.
    ranking = classifier.rank([issue_text(text) for text in known])
    expected = classifier.detector_score(ranking)
    assert expected is not None
    plain = matcher.match_texts(known)
    assert [m.score for m in plain] == pytest.approx(list(expected), abs=1e-4)
    # The domain gate may turn away a text of the vocabulary's own business now and then (its
    # background holds banking texts too); every text it lets through keeps its best theme.
    admitted = [
        (m.signature, classifier.classes[b]) for m, b in zip(plain, ranking.best, strict=True) if m.signature
    ]
    assert len(admitted) >= 0.95 * len(known)
    assert all(signature == best for signature, best in admitted)
    # Texts of intents outside the vocabulary score lower on average.
    novel = [m.score for m in matcher.match_texts(unseen)]
    assert sum(novel) / len(novel) < sum(m.score for m in plain) / len(plain) - 0.2
    # The keyword boost is added on top of the detector's score.
    text = next(t for t in texts["activate_my_card"][40:] if "activate" in t.lower())
    base = matcher.match_texts([text])[0]
    boosted = matcher.match([_conversation(text)])[0]
    assert base.signature == boosted.signature == "activate_my_card"
    assert boosted.score == pytest.approx(min(1.0, base.score + KEYWORD_BOOST), abs=2e-4)


def test_a_vocabulary_of_one_theme_matches_its_own_conversations(tmp_path: Path) -> None:
    """The first proposal accepted makes a vocabulary of one theme; matching must work with it."""
    theme = Theme(
        signature="export_fails",
        title="Export fails",
        examples=("The CSV export button does nothing", "Exporting my report gives an error"),
    )
    matcher = LocalThemeMatcher(Vocabulary(themes=(theme,)), load_settings(cache_dir=tmp_path))
    matches = matcher.match_texts(
        [
            "Hi, my export fails with an error every time",
            "I want a refund please",
            "How do I reset my password?",
        ]
    )
    assert [m.signature for m in matches] == ["export_fails", None, None]
    assert matches[0].evidence == "Hi, my export fails with an error every time"


def test_a_theme_that_asks_for_one_action_does_not_take_a_request_for_its_opposite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sentence vectors put "enrol" next to "cancel": the matcher reads the action words too."""
    cancel = Theme(
        signature="cancel_plan",
        title="Cancel an insurance plan",
        examples=(
            "I want to cancel my insurance plan",
            "Please cancel my policy from next month",
            "How do I cancel my plan?",
            "I need to cancel the coverage on my car",
            "Can you cancel my health plan today",
        ),
    )
    address = Theme(
        signature="change_address",
        title="Change of address",
        examples=(
            "I moved and need to update my address",
            "Please change the address on my policy",
            "How do I change my mailing address?",
            "My address is wrong on the account",
            "Update my home address please",
        ),
    )
    vocabulary = Vocabulary(themes=(cancel, address))
    settings = load_settings(cache_dir=tmp_path)
    texts = ["Please cancel my insurance plan", "I would like to enroll in your insurance plan"]
    with monkeypatch.context() as patched:
        # Without reading the action words, the request to enrol is taken for a cancellation.
        patched.setattr(matching, "opposed", lambda *_: False)
        assert [m.signature for m in LocalThemeMatcher(vocabulary, settings).match_texts(texts)] == [
            "cancel_plan",
            "cancel_plan",
        ]
    matcher = LocalThemeMatcher(vocabulary, settings)
    assert [m.signature for m in matcher.match_texts(texts)] == ["cancel_plan", None]
    assert "opposites-" in matcher.name
