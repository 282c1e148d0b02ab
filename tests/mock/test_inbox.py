"""The synthetic inbox: deterministic, about half noise for real reasons, ground truth kept apart."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from convosift.mock.catalog import AREAS_BY_KEY, SPIKE_DAYS, SPIKE_THEME, THEMES_BY_SIGNATURE
from convosift.mock.inbox import GeneratedConversation, generate_inbox, read_truth, truth_path, write_inbox
from convosift.mock.phrasebook import SHORT_OPENERS, TEMPLATE_CLICKS
from convosift.mock.render import PARTS_CAP, html_to_text

from .support import customer_texts

NOW = 1_790_000_000
DAY = 86_400
FILTER_REASONS = {"admin_initiated", "automated", "bot_only", "template_click", "too_short", "empty"}


@pytest.fixture(scope="module")
def inbox() -> list[GeneratedConversation]:
    return generate_inbox(3000, seed=11, now=NOW)


def _by_outcome(inbox: list[GeneratedConversation], outcome: str) -> list[GeneratedConversation]:
    return [item for item in inbox if item.truth.expected_filter == outcome]


def test_same_seed_same_inbox_and_other_seed_other_inbox() -> None:
    first = generate_inbox(200, seed=3, now=NOW)
    again = generate_inbox(200, seed=3, now=NOW)
    other = generate_inbox(200, seed=4, now=NOW)
    assert [item.conversation for item in first] == [item.conversation for item in again]
    assert [item.truth for item in first] == [item.truth for item in again]
    assert [item.conversation["source"]["body"] for item in first] != [
        item.conversation["source"]["body"] for item in other
    ]


def test_ids_are_digit_strings_increasing_with_creation_time(inbox: list[GeneratedConversation]) -> None:
    ids = [item.conversation["id"] for item in inbox]
    assert all(i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    created = [item.conversation["created_at"] for item in inbox]
    assert created == sorted(created)
    assert [int(i) for i in ids] == sorted(int(i) for i in ids)
    assert all(NOW - 365 * DAY <= c <= NOW for c in created)
    assert all(i.conversation["updated_at"] >= i.conversation["created_at"] for i in inbox)


def test_about_half_fails_the_filter_and_every_reason_occurs(inbox: list[GeneratedConversation]) -> None:
    outcomes = Counter(item.truth.expected_filter for item in inbox)
    assert set(outcomes) == FILTER_REASONS | {"kept"}
    assert 0.4 <= outcomes["kept"] / len(inbox) <= 0.6
    assert all(outcomes[reason] >= 30 for reason in FILTER_REASONS), outcomes


def test_small_inboxes_still_have_every_reason_a_long_thread_and_the_spike() -> None:
    small = generate_inbox(120, seed=7, now=NOW)
    assert {item.truth.expected_filter for item in small} == FILTER_REASONS | {"kept"}
    assert any(item.truth.parts_total > PARTS_CAP for item in small)
    assert any(item.truth.planted_spike for item in small)
    assert any(item.truth.language != "en" for item in small)


def test_noise_has_the_shape_its_reason_names(inbox: list[GeneratedConversation]) -> None:
    for item in _by_outcome(inbox, "admin_initiated"):
        source = item.conversation["source"]
        assert source["delivered_as"] == "admin_initiated" and source["author"]["type"] == "admin"
    for item in _by_outcome(inbox, "automated"):
        assert item.conversation["source"]["delivered_as"] in {
            "automated",
            "campaigns_initiated",
            "operator_initiated",
        }
    for reason in ("bot_only", "template_click", "too_short", "empty"):
        for item in _by_outcome(inbox, reason):
            assert item.conversation["source"]["delivered_as"] == "customer_initiated"
            assert item.conversation["source"]["author"]["type"] in ("user", "lead")
    for item in _by_outcome(inbox, "bot_only"):
        parts = item.conversation["conversation_parts"]["conversation_parts"]
        assert customer_texts(item.conversation) == []
        assert any(p["author"]["type"] == "bot" and p["body"] for p in parts)
    for item in _by_outcome(inbox, "empty"):
        assert customer_texts(item.conversation) == []
        assert not any(
            p["author"]["type"] == "bot"
            for p in item.conversation["conversation_parts"]["conversation_parts"]
        )
    for item in _by_outcome(inbox, "template_click"):
        assert customer_texts(item.conversation) == [html_to_text(item.conversation["source"]["body"])]
        assert customer_texts(item.conversation)[0] in TEMPLATE_CLICKS
    for item in _by_outcome(inbox, "too_short"):
        assert customer_texts(item.conversation) == [html_to_text(item.conversation["source"]["body"])]
        assert customer_texts(item.conversation)[0] in SHORT_OPENERS


def test_kept_conversations_are_written_by_customers_about_their_theme(
    inbox: list[GeneratedConversation],
) -> None:
    kept = _by_outcome(inbox, "kept")
    categories = Counter(item.truth.category for item in kept)
    assert categories["spam"] > 0 and categories["general_inquiry"] > 0 and categories["product_issue"] > 0
    recovered = 0
    for item in kept:
        source = item.conversation["source"]
        assert source["delivered_as"] == "customer_initiated" and source["author"]["type"] in ("user", "lead")
        texts = customer_texts(item.conversation)
        assert texts, item.truth
        if item.truth.theme is None:
            assert item.truth.category in ("spam", "general_inquiry")
            continue
        assert item.truth.category == THEMES_BY_SIGNATURE[item.truth.theme].category
        if texts[0] in SHORT_OPENERS or texts[0] == "quick question" or texts[0] == "hey there":
            recovered += 1
            assert len(texts) >= 2 and len(texts[1]) > 20
    assert recovered >= 20


def test_themes_follow_a_skewed_distribution(inbox: list[GeneratedConversation]) -> None:
    counts = Counter(item.truth.theme for item in inbox if item.truth.theme)
    assert len(counts) >= 30
    ranked = [count for _, count in counts.most_common()]
    assert ranked[0] >= 4 * ranked[-1]


def test_page_urls_hint_the_product_area(inbox: list[GeneratedConversation]) -> None:
    themed = [item for item in _by_outcome(inbox, "kept") if item.truth.theme]
    web = [item for item in themed if item.conversation["source"]["type"] == "conversation"]
    hinting = [
        item
        for item in web
        if (url := item.conversation["source"]["url"])
        and AREAS_BY_KEY[THEMES_BY_SIGNATURE[item.truth.theme].area].path in url  # type: ignore[index]
    ]
    assert len(hinting) >= 0.75 * len(web)


def test_bodies_carry_html_links_entities_and_emoji(inbox: list[GeneratedConversation]) -> None:
    bodies = [item.conversation["source"]["body"] for item in _by_outcome(inbox, "kept")]
    for marker in ("<p>", "<br>", '<a href="', "<ul><li>", "&amp;", "&#x27;", "&nbsp;"):
        assert any(marker in body for body in bodies), marker
    assert any(any(e in body for e in "🙏😩😅🔥🤔") for body in bodies)


def test_a_few_conversations_are_not_in_english_and_keep_their_theme(
    inbox: list[GeneratedConversation],
) -> None:
    foreign = [item for item in inbox if item.truth.language != "en"]
    assert 0.005 * len(inbox) <= len(foreign) <= 0.05 * len(inbox)
    assert {item.truth.language for item in foreign} == {"de", "fr", "es"}
    assert all(item.truth.theme and item.truth.expected_filter == "kept" for item in foreign)


def test_long_threads_are_capped_at_the_500_most_recent_parts(inbox: list[GeneratedConversation]) -> None:
    long_threads = [item for item in inbox if item.truth.parts_total > PARTS_CAP]
    assert long_threads
    for item in long_threads:
        parts = item.conversation["conversation_parts"]
        assert len(parts["conversation_parts"]) == PARTS_CAP
        assert parts["total_count"] == item.truth.parts_total
        assert item.conversation["statistics"]["count_conversation_parts"] == item.truth.parts_total
        times = [p["created_at"] for p in parts["conversation_parts"]]
        assert times == sorted(times) and times[-1] <= item.conversation["updated_at"]


def test_the_spike_theme_is_concentrated_in_the_last_two_weeks(inbox: list[GeneratedConversation]) -> None:
    since = NOW - SPIKE_DAYS * DAY
    recent = [item for item in inbox if item.conversation["created_at"] >= since and item.truth.theme]
    older = [item for item in inbox if item.conversation["created_at"] < since and item.truth.theme]
    share_recent = sum(item.truth.theme == SPIKE_THEME for item in recent) / len(recent)
    share_older = sum(item.truth.theme == SPIKE_THEME for item in older) / len(older)
    assert share_recent >= 10 * max(share_older, 0.001)
    planted = [item for item in inbox if item.truth.planted_spike]
    assert planted and all(
        item.truth.theme == SPIKE_THEME and item.conversation["created_at"] >= since for item in planted
    )


def test_ground_truth_never_appears_in_the_payload(inbox: list[GeneratedConversation]) -> None:
    for item in inbox[:500]:
        text = json.dumps(item.conversation)
        assert "expected_filter" not in text and "planted_spike" not in text
        if item.truth.theme:
            assert item.truth.theme not in text


def test_write_inbox_writes_jsonl_and_the_truth_beside_it(tmp_path: Path) -> None:
    items = generate_inbox(50, seed=5, now=NOW)
    path = tmp_path / "inbox.jsonl"
    assert write_inbox(path, items) == 50
    assert truth_path(path) == tmp_path / "inbox.truth.jsonl"
    lines: list[dict[str, Any]] = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [item.conversation for item in items]
    assert read_truth(path) == [item.truth for item in items]
