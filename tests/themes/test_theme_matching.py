"""The local theme matcher on the shipped vocabulary: themes, unmatched, boosts and evidence."""

from __future__ import annotations

import pytest

from convosift.config import load_settings
from convosift.domain import Conversation, Message
from convosift.errors import ConfigurationError
from convosift.themes.matching import KEYWORD_BOOST, URL_BOOST, LocalThemeMatcher
from convosift.themes.vocabulary import Theme, Vocabulary, load_vocabulary


def _conversation(text: str, url: str | None = None, follow_up: str | None = None) -> Conversation:
    messages = (
        (Message(id="m1", part_type="comment", author_type="user", body=follow_up),) if follow_up else ()
    )
    return Conversation(
        id=str(abs(hash(text))), created_at=0, updated_at=0, opener=text, url=url, messages=messages
    )


@pytest.fixture(scope="module")
def matcher() -> LocalThemeMatcher:
    return LocalThemeMatcher(load_vocabulary(), load_settings())


def test_conversations_get_their_theme_and_the_sentence_that_carries_it(matcher: LocalThemeMatcher) -> None:
    conversations = [
        _conversation(
            "Hello team! Our Shopify shop will not link to Harbortide, authorization fails. Cheers, Ana"
        ),
        _conversation(
            "Good morning. When I print a shipping label I only get an empty white PDF page. Thanks"
        ),
        _conversation("Hi there, the coupon code gets accepted but nothing is taken off the total. Regards"),
        _conversation("hey, two-factor code never arrives on my phone and now I'm locked out"),
    ]
    matches = matcher.match(conversations)
    assert [m.signature for m in matches] == [
        "shopify_store_connection_fails",
        "shipping_label_pdf_blank",
        "discount_code_not_applied",
        "two_factor_code_not_received",
    ]
    assert matches[0].evidence == "Our Shopify shop will not link to Harbortide, authorization fails."
    assert matches[1].evidence == "When I print a shipping label I only get an empty white PDF page."
    assert all(m.score >= matcher.threshold and m.matcher == matcher.name for m in matches)
    assert matcher.name.endswith(load_vocabulary().content_hash)


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
    vocabulary = load_vocabulary()
    assert LocalThemeMatcher(vocabulary, load_settings()).threshold == vocabulary.match_threshold
    assert LocalThemeMatcher(vocabulary, load_settings(), threshold=0.9).threshold == 0.9


def test_a_vocabulary_without_active_themes_is_refused() -> None:
    vocabulary = Vocabulary(themes=(Theme(signature="only", title="Only", status="proposed"),))
    with pytest.raises(ConfigurationError, match="no active theme"):
        LocalThemeMatcher(vocabulary, load_settings())
