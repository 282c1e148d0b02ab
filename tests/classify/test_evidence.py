"""Spam needs positive evidence: the cues fire on junk and never on genuine customer requests."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml

from convosift.classify.evidence import (
    _CUES,
    _cues_to_run,
    _required_literals,
    is_gibberish,
    quotes_junk,
    spam_evidence,
)
from convosift.classify.junk import JUNK_DIR
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
        ("A document has been shared with you for electronic signature. Review Document.", "lure"),
        ("We found a virus on your computer. Call our technician now on 555-0100.", "lure"),
        ("Voicemail received (0:31) from +1 555 0188. Play the message: vm-portal.example/play", "lure"),
        ("Nightly report: 0 errors, 3 warnings, 12 jobs run.", "bulk"),
        # Not a customer quoting junk: an order, a lure's question, an agency's "we".
        ("Get 10,000 real followers today! Message us on WhatsApp", "marketing"),
        ("Did you send $500 to John Smith? If not, click here to verify your account", "lure"),
        ("Hi, we followed your company for a while. Our SEO services can boost your traffic", "marketing"),
        (
            "Your computer has been infected with 5 viruses! Call Microsoft support now at 1-888-555-0199",
            "lure",
        ),
        ("We have received a notice that your parcel was not delivered. Pay the redelivery fee here", "lure"),
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
        # Customers quoting or asking about junk they received, or about the company's own offer.
        'The free trial said "no card required", then asked for my card. Cancel and refund.',
        "Is the email from no-reply@accounts.example about unusual sign-in activity legit?",
        "Got an email saying my account is suspended and I must verify it at secure-login.example. Is that really you?",
        "I got an out of office reply from your agent saying she's on leave until the 14th. Who else can help?",
        "hi my order says delivery failed, address not found. but it's the same address as always",
        "Your 20% off code WELCOME20 doesn't work at checkout, says invalid.",
        "Friends got emails from my address with a link to 'claim your reward'. My account was hacked.",
        "I received your message about unusual login activity, can you check my account?",
        "Fwd: Account Verification Required - your account will be suspended, click here. Is this you?",
        # Words of a lure, in a customer's own request.
        "Could you review the document I uploaded yesterday?",
        "I've shared the logs; the files have been shared with you via Google Drive",
        "Windows flagged your installer as malware. I tried to call support",
        "I left a voicemail yesterday, please listen to the message",
        "Why was I charged customs fees on delivery? The link on your FAQ is broken",
        "my build shows 3 errors, 0 warnings",
        "Hi, are you available today? I need a favour: can you extend my trial",
        "Bonjour, j'ai reçu un SMS me demandant de payer 1,99 € de frais de douane via un lien. Est-ce vraiment de votre part ?",
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
    # Each word is read once: a mashed word said twice does not hide two others.
    assert is_gibberish("dfgdfgdfg sdfsdf wer wer")
    assert not is_gibberish("card card card blocked")
    assert is_gibberish("asdf asdf asdf test") and is_gibberish("lkjh lkjh lkjh lkjh lkjh hi")
    assert not is_gibberish("your tower power answer is pretty proper")


def _cue_corpus() -> list[str]:
    """Junk and genuine texts of every kind, as written and in upper and title case."""
    data = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
    texts = [
        line.strip()
        for name in ("spam_messages.txt", "not_spam_hard.txt", "chat_openers.txt", "chat_followups.txt")
        for line in (data / name).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if BANKING77.exists():
        with BANKING77.open(newline="", encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)][:3000]
    texts += [
        "Ça va? Nicht im Büro bis Montag, unsubscribe here",
        "Clíck here to verify your account within 24 hours",
    ]
    return texts + [text.upper() for text in texts] + [text.title() for text in texts]


def test_the_cue_gate_never_hides_a_cue_that_matches() -> None:
    """A cue is skipped only on a text that lacks every string it requires: every cue whose
    expression matches a text is among the cues run on it, and the evidence is unchanged."""
    texts = _cue_corpus()
    matched = 0
    for text in texts:
        runnable = {pattern.pattern for _, pattern in _cues_to_run(text)}
        for _, pattern in _CUES:
            if pattern.search(text):
                matched += 1
                assert pattern.pattern in runnable, (pattern.pattern, text)
    assert matched >= 100  # the corpus exercises the cues, not only their absence


def test_most_texts_run_few_cues() -> None:
    assert len(list(_cues_to_run("Hi, my card was declined at the store this morning, can you check?"))) < 5
    # Text outside ASCII is not filtered: lower case is not all that ignoring case does there.
    assert len(list(_cues_to_run("Ma carte a été refusée"))) == len(_CUES)


@pytest.mark.parametrize(
    ("pattern", "required"),
    [
        (r"\bseo (?:services?|agency)\b", {"agency", "service"}),
        (r"\bback ?links?\b", {"back"}),
        (r"\b(?:casino|porn)\b", {"casino", "porn"}),
        (r"\bwire (?:me|us) \$?\d", {"wire "}),
        (r"\b\d+% accuracy\b|\bforex\b", {"% accuracy", "forex"}),
        (r"\b\d+\b|\bforex\b", set()),  # one branch requires no string: nothing is required
        (r"[a-z]{3,}", set()),
        # Ignoring case, the dotless i matches an ASCII "I": the pattern is always run.
        ("\\bhesab\u0131n\u0131z\\b", set()),
    ],
)
def test_required_literals(pattern: str, required: set[str]) -> None:
    assert _required_literals(re.compile(pattern, re.IGNORECASE)) == required


def test_the_shipped_training_texts_keep_their_side() -> None:
    """No junk text the detector learns reads as a customer quoting junk (which would silence the
    detector on it), and few genuine ones carry a cue (a cue is spam whatever the model says)."""
    junk = yaml.safe_load((JUNK_DIR / "junk.yaml").read_text(encoding="utf-8"))["examples"]
    genuine = yaml.safe_load((JUNK_DIR / "genuine.yaml").read_text(encoding="utf-8"))["examples"]
    assert [text for text in junk if quotes_junk(text)] == []
    cued = [text for text in genuine if spam_evidence(text) is not None]
    assert len(cued) <= 11, cued  # 27 before the quoting rules of 2026-12-07
