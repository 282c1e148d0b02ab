"""Spam needs positive evidence: the cues fire on junk and never on genuine customer requests."""

from __future__ import annotations

import csv
import json

import pytest

from convosift.classify.evidence import is_gibberish, spam_evidence
from shared_data import BANKING77, INSURANCE


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("We can put your site on the first page of Google in 30 days.", "marketing"),
        ("Hi, I do link building and guest posts for sites like yours, interested?", "marketing"),
        ("Congratulations, you have been selected for a $500 gift card! Claim your prize now.", "lure"),
        ("Your mailbox will be suspended within 24 hours. Click here to verify your account.", "lure"),
        ("You are receiving this email because you subscribed. Unsubscribe at any time.", "bulk"),
        ("This is an automated message, please do not reply to this email.", "bulk"),
        ("I am out of the office until Monday with limited access to email.", "bulk"),
        ("sdfkjh qwrtzp xcvbnm lkjhgf", "gibberish"),
    ],
)
def test_junk_carries_evidence(text: str, kind: str) -> None:
    found = spam_evidence(text)
    assert found is not None and found.startswith(kind), found


@pytest.mark.parametrize(
    "text",
    [
        "Can you verify my identity? I uploaded my passport yesterday.",
        "I'd like to apply for a real estate loan.",
        "Hello, my name is James, the owner of James' Cupcakes. I would like the new investment report.",
        "hi make an appt today for investment consulting",
        "Please unlock my card, I typed the wrong PIN three times",
        "Where do I click to download my statement?",
    ],
)
def test_genuine_requests_carry_none(text: str) -> None:
    assert spam_evidence(text) is None


def test_real_customer_text_carries_no_spam_evidence() -> None:
    """Every BANKING77 query and insurance call utterance is a genuine request: none may look like spam."""
    texts: list[str] = []
    if BANKING77.exists():
        with BANKING77.open(newline="", encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    if INSURANCE.exists():
        with INSURANCE.open(encoding="utf-8") as handle:
            texts += [json.loads(line)["utterance"] for line in handle if line.strip()]
    if not texts:
        pytest.skip("the reference data in ../shared is not available")
    flagged = [text for text in texts if spam_evidence(text) is not None]
    assert len(flagged) <= len(texts) // 1000, flagged[:10]


def test_gibberish_needs_several_words_and_spares_other_scripts() -> None:
    assert not is_gibberish("xkcd")
    assert not is_gibberish("Здравствуйте, у меня не работает карта")
    assert is_gibberish("asdfgh jklqwrt zxcvbn")


def test_keyboard_runs_and_one_word_said_over_and_over_are_gibberish() -> None:
    assert is_gibberish("fdsa qwer asdf zxcv")
    assert is_gibberish("ok ok ok ok ok")
    # A word said twice, or a plea with other words in it, is a customer.
    assert not is_gibberish("help help")
    assert not is_gibberish("please please please help me, my card is blocked")
    assert not is_gibberish("your tower power answer is pretty proper")
