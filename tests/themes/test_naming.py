"""Offline titles: a verb and its object from the cluster's words; never a number or a name."""

from __future__ import annotations

import re
import warnings

from convosift.themes.naming import key_phrases, title
from convosift.themes.request import NUMBER_WORDS, customer_request

LOST_CARD = [
    "Hi, my name is Anna Berg. I need to replace my lost card, account number seven zero four two.",
    "Hello, this is Tom. How do I replace my lost card? My email is tom@example.com",
    "Can I replace a lost card online? Thanks, Priya",
    "I want to replace my card, I lost it yesterday. Customer number 55012.",
    "Good morning, replace lost card please. Regards, Olga Novak",
]


def test_the_title_is_the_shared_verb_phrase() -> None:
    texts = [customer_request(text) for text in LOST_CARD]
    assert title(texts, ["lost card", "replace"]) == "Replace lost card"


def test_no_title_holds_a_digit_a_number_word_or_a_name() -> None:
    spelled = [
        "My account number is seven zero four two, please update phone number",
        "Update phone number to nine eight seven",
        "I must update my phone number, it's 0612345678. Thanks, Lukas",
        "Update phone number for Lukas Keller please",
    ]
    for texts in (spelled, [customer_request(text) for text in spelled]):
        got = title(texts, ["phone number", "update"])
        words = set(re.findall(r"[a-z]+", got.lower()))
        assert got and not re.search(r"\d", got) and not words & NUMBER_WORDS
        assert not words & {"lukas", "keller"}


def test_without_a_verb_phrase_the_best_key_phrase_names_the_cluster() -> None:
    assert (
        title(["The exchange rate is wrong.", "Exchange rate looks off."], ["exchange rate"])
        == "Exchange rate"
    )
    assert title(["Hmm."], []) == ""


def test_a_one_word_key_phrase_grows_into_the_pair_most_requests_use() -> None:
    debits = [
        "Why did the direct debit to my gym go out twice?",
        "A direct debit I cancelled was still taken.",
        "Can I stop a direct debit from the app?",
        "Which debit is this on my statement?",
    ]
    assert title(debits, ["debit", "direct"]) == "Direct debit"
    # No pair that enough requests share: the key phrase alone.
    assert title(["The debit looks odd.", "Unknown debit again.", "Debit twice?"], ["debit"]) == "Debit"
    # A name next to the key word never makes it into the title.
    named = [f"Debit Lukas {n}" for n in ("please", "again", "now")]
    assert "lukas" not in title([*named, "Lukas debit", "debit Lukas"], ["debit"]).lower()


def test_a_contracted_auxiliary_is_never_part_of_a_title() -> None:
    # "Transfer didn't", or the "Transfer didn" the tokenizer leaves of it, names nothing.
    transfers = [
        "My transfer didn't go through yesterday",
        "the transfer didn't arrive at all",
        "why did my transfer did not complete",
        "Transfer didn't work, can you check",
    ]
    cards = ["my card hasn't arrived", "card hasn't come", "the card hasn’t shown up"]
    phrases = key_phrases([transfers, cards])
    assert not {word for group in phrases for phrase in group for word in phrase.split()} & {"didn", "hasn"}
    for texts, found in (
        (transfers, phrases[0]),
        (cards, phrases[1]),
        (transfers, ["transfer didn", "transfer"]),
    ):
        got = title(texts, found)
        assert got
        assert not set(got.lower().split()) & {"did", "didn", "hasn"}
        assert "'" not in got and "’" not in got


def test_key_phrases_raise_no_stop_word_warning_for_names_with_apostrophes_or_hyphens() -> None:
    """A name with an apostrophe or a hyphen ("EU-wide") never equals a token; as a stop word it only
    made scikit-learn warn on every discovery."""
    texts = [
        "My card is stuck in the Atm’s slot",
        "The EU-wide Atm’s fee is high",
        "Why is the Atm’s screen blank",
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        phrases = key_phrases([texts, ["refund please", "I want my refund"]])
    assert not [w for w in caught if "stop_words" in str(w.message)]
    assert "atm" in phrases[0] and phrases[1] == ["refund"]


def test_a_brand_most_of_a_cluster_names_is_its_own_word_and_a_name_in_any_request_is_not() -> None:
    """Capitalised words are left out as names unless a cluster's requests use them far more than
    the others do: "Apple Pay" names a cluster about it; "Janet" or "Omar" turn up anywhere."""
    wallet = [
        "Apple Pay is not working on my phone, Janet says",
        "Can I add my card to Apple Pay?",
        "Apple Pay keeps declining at the till for Janet",
        "How do I set up Apple Pay on my watch, Janet asked",
        "Adding the card to Apple Pay fails every time",
        "Is Apple Pay supported for top ups?",
    ]
    refunds = [
        "I asked Janet for a refund of the order last week",
        "Omar promised a refund of the order, where is it, asks Janet",
        "Refund of the order never arrived",
        "Still no refund of the order, Janet said two days",
        "Please process the refund of my order",
        "When will the refund of the order land",
    ]
    phrases = key_phrases([wallet, refunds])
    words = [{word for phrase in group for word in phrase.split()} for group in phrases]
    assert "apple" in words[0]
    assert not (words[0] | words[1]) & {"janet", "omar"}
    got = title(wallet, phrases[0])
    assert "Apple" in got.split() and "janet" not in got.lower()
    # Without the corpus behind it, the same word is a name: a title never trusts it on its own.
    assert "apple" not in title(wallet, ["pay"]).lower()


def test_words_that_say_when_end_a_title_s_object() -> None:
    topped = [
        "I topped up my card yesterday and it failed",
        "Topped up my card today but nothing arrived",
        "why did my top up my card recently fail",
        "topped up card earlier, still not there",
    ]
    assert title(topped, ["top", "card"]) == "Top up card"


def test_a_copy_of_something_is_titled_by_the_something() -> None:
    proofs = [
        "I need help getting a copy of proof of my insurance",
        "Can I get a copy of my proof of insurance for the car",
        "get me proof of insurance please",
        "How do I get a copy of proof for my registration",
    ]
    assert title(proofs, ["proof", "copy", "insurance"]) == "Get proof"
