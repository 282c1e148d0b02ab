"""The learned junk detector: junk it never saw is caught, genuine requests of a bank are not."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from convosift.classify.categories import LocalCategoryClassifier
from convosift.classify.junk import JUNK_PROBABILITY, JunkDetector, training_data
from convosift.config import load_settings
from shared_data import BANKING77

# Written for this test, not taken from the detector's training files.
UNSEEN_JUNK = [
    "Hey there, our agency builds high converting landing pages in 48 hours, want a free mockup?",
    "Final notice: your mailbox storage is full, sign in here within 24 hours to keep receiving mail",
    "I'm currently away on holiday and will reply to your message when I'm back on the 14th.",
    "You are invited: join our free masterclass on scaling your ecommerce brand this Thursday",
    "Delivery Status Notification (Failure): the recipient address rejected your message",
    "Earn passive income with our AI trading bot, 300% returns, message me now to join",
]
GENUINE = [
    "Hi, my card was declined at the pharmacy this morning, what is going on?",
    "I got an email saying my account is suspended and asking me to click a link, is it from you?",
    "The discount code from your newsletter doesn't work at checkout.",
    "How do I add my partner as a second driver on the car insurance?",
]


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> JunkDetector:
    return JunkDetector(tmp_path_factory.mktemp("junk"))


def test_training_data_holds_both_kinds_and_is_versioned(detector: JunkDetector) -> None:
    texts, labels = training_data()
    assert labels.count("junk") >= 300 and labels.count("genuine") >= 500
    assert len(set(texts)) == len(texts)
    assert len(detector.version) == 12


def test_unseen_junk_is_caught(detector: JunkDetector, tmp_path: Path) -> None:
    verdicts = detector.judge(UNSEEN_JUNK)
    assert sum(verdict.is_junk for verdict in verdicts) >= 3, [v.probability for v in verdicts]
    # With the hand-written cues beside it, the classifier calls most of it spam.
    results = LocalCategoryClassifier(load_settings(cache_dir=tmp_path)).classify(UNSEEN_JUNK)
    assert sum(result.category == "spam" for result in results) >= 4


def test_genuine_requests_are_not_junk(detector: JunkDetector) -> None:
    assert not any(verdict.is_junk for verdict in detector.judge(GENUINE))
    assert all(0.0 <= v.probability < JUNK_PROBABILITY for v in detector.judge(GENUINE))


@pytest.mark.skipif(not BANKING77.exists(), reason="BANKING77 is not beside the repository")
def test_a_banks_real_requests_are_almost_never_spam(tmp_path: Path) -> None:
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    sample = random.Random(7).sample(texts, 1500)
    results = LocalCategoryClassifier(load_settings(cache_dir=tmp_path)).classify(sample)
    spam = sum(result.category == "spam" for result in results)
    assert spam / len(sample) <= 0.005


@pytest.mark.skipif(not BANKING77.exists(), reason="BANKING77 is not beside the repository")
def test_a_letters_greeting_and_sign_off_do_not_make_a_request_spam(tmp_path: Path) -> None:
    """The detector learned from bare requests while junk often comes as a letter: read with its
    greeting, "Dear Support," put 35 of 1,000 real requests over the threshold."""
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    sample = random.Random(11).sample(texts, 1000)
    classifier = LocalCategoryClassifier(load_settings(cache_dir=tmp_path))
    for frame in ("Dear Support,\n{}", "Dear Sir or Madam,\n{}\n\nKind regards,\nMaria Lopez"):
        results = classifier.classify([frame.format(text) for text in sample])
        assert sum(result.category == "spam" for result in results) <= 3, frame
