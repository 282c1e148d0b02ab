"""Offline titles: a verb and its object from the cluster's words; never a number or a name."""

from __future__ import annotations

import re
import warnings

from convosift.themes.keyphrases import _Terms, key_phrases, own_words
from convosift.themes.naming import title
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


DECLINED = [
    "I tried to use my card at the store and it was declined",
    "Why can't I use my card, it keeps getting declined",
    "I wanted to use my card today but the payment was declined",
    "Cannot use my card online, declined every time",
    "I use my card abroad and it got declined",
]


def test_the_best_key_word_the_verb_phrase_lacks_follows_it() -> None:
    """What the requests do ("Use card") misses what is wrong ("declined") when that word is
    what sets the cluster apart; a key word the title holds, in any form, adds nothing."""
    assert title(DECLINED, ["declined", "store"]) == "Use card (declined)"
    assert title(DECLINED, ["cards", "declined"]) == "Use card"
    assert title(DECLINED, ["card payment", "declined"]) == "Use card"  # a phrase would not read
    texts = [customer_request(text) for text in LOST_CARD]
    assert title(texts, ["replacement", "lost card"]) == "Replace lost card"
    assert title(texts, ["seven", "lost card"]) == "Replace lost card"  # never a number word
    assert title(texts, ["replaced"]) == "Replace lost card"  # "replaced" is a form of "replace"
    assert title(texts, ["using"]) == "Replace lost card"  # a word that says how is no key word
    assert title(texts, ["cards"]) == "Replace lost card"
    # A key word most requests negate would say the opposite on its own.
    failing = [
        f"My top up card {verb} work" for verb in ("didn't", "does not", "did not", "won't", "still doesn't")
    ]
    assert title(failing, ["worked", "card"]) == "Top up card"
    assert title(failing, ["failed"]) == "Top up card"  # nor a word none of them uses


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
    """A name with an apostrophe or a hyphen ("O'Brien", "Mary-Jane") is left out as the words the
    vectoriser splits it into, without scikit-learn warning about stop words on every discovery;
    an acronym ("ATM's") is no name."""
    texts = [
        "My card is stuck in the ATM’s slot, says O’Brien",
        "The EU-wide ATM’s fee is high for Mary-Jane",
        "Why is the ATM’s screen blank, Mary-Jane asks",
        "O’Brien saw the ATM’s screen go blank",
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        phrases = key_phrases([texts, ["refund please", "I want my refund"]])
    assert not [w for w in caught if "stop_words" in str(w.message)]
    words = {word for phrase in phrases[0] for word in phrase.split()}
    assert "atm" in words and not words & {"brien", "mary", "jane"}
    assert phrases[1] == ["refund"]


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


def test_a_verb_with_its_particle_titles_requests_that_share_no_object() -> None:
    # Each request says "top up" and none shares what follows it: "Top up", not the key word alone.
    pending = [
        "I did a top up an hour ago and it is still pending",
        "Why is my top up pending for an hour",
        "How long does it take for a top up to go through? It's been an hour",
        "My top up hasn't gone through after an hour",
        "I tried to top up but it has been pending for hours",
    ]
    assert title(pending, ["hour", "pending"]) == "Top up"
    # A pair most requests use still wins over it ("Direct debit" above), and so does a shared object.
    apple = [
        "top up with Google Pay fails",
        "Google Pay top up is not working",
        "can't top up via Google Pay",
    ]
    assert title(apple, ["google", "pay"]) == "Google Pay"
    cards = ["top up my card failed", "I tried to top up my card", "top up card please"]
    assert title(cards, ["card"]) == "Top up card"


def test_a_word_that_says_how_ends_a_title_s_object() -> None:
    using = [
        "Can I top up using my credit card?",
        "top up using a card from abroad",
        "how do I top up using Apple Pay",
    ]
    assert title(using, ["using", "credit"]) == "Top up"


def test_a_hyphenated_word_is_one_title_word_and_a_quoted_word_loses_its_quotes() -> None:
    # Key phrases read "top-ups" as "top" and "ups"; the title spells it as the requests do.
    limits = ["How many top-ups can I do a day?", "Is there a limit on top-ups?", "top-ups limit per month"]
    assert title(limits, ["ups", "limit"]) == "Top-ups"
    autos = ["I can't find the auto top-up option", "Does auto top-up have limits?", "activate auto top-up"]
    assert title(autos, ["auto", "option"]) == "Auto top-up"
    quoted = ["I did a 'top up' and it failed", "the 'top up' failed again", "my 'top up' failed"]
    assert "'" not in title(quoted, ["failed"])


def test_a_hyphenated_number_word_is_no_title_word() -> None:
    waits = [
        "waited twenty-one days for my refund",
        "twenty-one days and no refund",
        "refund after twenty-one days",
    ]
    assert "twenty" not in title(waits, ["days", "refund"]).lower()


def test_no_key_phrase_is_one_word_twice() -> None:
    # "long" is common elsewhere, so the bigram is the rarer term: it would rank first.
    waits = ["it takes long long time", "long long wait for the top up", "so long long wait"]
    things = ("card delivery", "transfer", "refund", "atm withdrawal", "exchange")
    others = [[f"how long does the {thing} take", f"{thing} takes long"] for thing in things]
    phrases = key_phrases([waits, *others])[0]
    assert "long wait" in phrases and "long long" not in phrases


def test_a_copy_of_something_is_titled_by_the_something() -> None:
    proofs = [
        "I need help getting a copy of proof of my insurance",
        "Can I get a copy of my proof of insurance for the car",
        "get me proof of insurance please",
        "How do I get a copy of proof for my registration",
    ]
    assert title(proofs, ["proof", "copy", "insurance"]) == "Get proof"


def _requests(count: int, word: str, size: int) -> list[str]:
    """``size`` requests, ``count`` of them naming ``word`` inside the sentence."""
    return [
        f"my order via {word} failed again" if i < count else f"my order failed again {i}"
        for i in range(size)
    ]


def test_a_capitalised_word_is_a_cluster_s_own_only_when_enough_of_it_uses_it_and_others_do_not() -> None:
    names = {"zorbix"}
    plain = ["something else entirely"] * 20
    # Four of twenty requests: too few to be the cluster's word, however rare elsewhere.
    assert own_words([_requests(4, "Zorbix", 20), plain], [], names) == [set(), set()]
    # Five of twenty, and nowhere else: the cluster's own.
    assert own_words([_requests(5, "Zorbix", 20), plain], [], names)[0] == {"zorbix"}
    # Half the cluster, but almost as often elsewhere (0.5 against 0.3 of the others): a name.
    assert own_words([_requests(10, "Zorbix", 20), _requests(6, "Zorbix", 20)], [], names)[0] == set()
    # The background counts as elsewhere too.
    assert own_words([_requests(10, "Zorbix", 20)], _requests(10, "Zorbix", 20), names) == [set()]
    # With nothing to compare with, no word is a cluster's own.
    assert own_words([_requests(20, "Zorbix", 20)], [], names) == [set()]


def test_a_given_name_stays_out_even_when_one_cluster_holds_it_or_it_is_written_in_lower_case() -> None:
    """A payee or a customer writing several times about one thing concentrates a name in one
    cluster; a common given name is never a key phrase or a title word, however it is written."""
    payee = [
        "I want to pay Priya for the rent",
        "how do I pay Priya back",
        "Sent money to Priya, still pending",
        "pay Priya the deposit please",
        "can I pay Priya from my savings",
        "transfer to priya is pending",
    ]
    other = ["the app crashes on start", "app crashes when I log in", "crashes every time"] * 3
    phrases = key_phrases([payee, other])
    assert "priya" not in {word for phrase in phrases[0] for word in phrase.split()}
    assert own_words([payee, other], [], {"priya"})[0] == set()
    assert "priya" not in title(payee, phrases[0]).lower()
    assert (
        "janet"
        not in title(
            ["refund janet order", "janet refund order", "refund janet order"], ["refund janet"]
        ).lower()
    )


def test_a_cluster_s_own_word_is_spelt_as_its_requests_write_it_inside_the_title() -> None:
    cards = [
        "Can I get a Visa card instead?",
        "I would like to get a Visa card",
        "how to get Visa card",
        "Please get me a Visa card, not the other one",
        "Do you get Visa card holders a discount",
    ]
    assert title(cards, ["visa card", "visa"]) == "Get Visa card"


def test_requests_of_one_customer_count_once_for_a_cluster_s_own_word() -> None:
    """Six messages of one customer about a payment to "Dorottya" do not make her name the
    cluster's word; six customers writing about "Zorbix" do make it theirs."""
    payments = [f"my payment to Dorottya is pending again, day {day}" for day in range(6)]
    other = ["the app crashes on start"] * 12
    assert own_words([payments, other], [], {"dorottya"}, [["c1"] * 6, [None] * 12])[0] == set()
    assert own_words([payments, other], [], {"dorottya"}, [[f"c{i}" for i in range(6)], [None] * 12])[0] == {
        "dorottya"
    }
    phrases = key_phrases([payments, other], authors=[["c1"] * 6, [None] * 12])
    assert "dorottya" not in {word for phrase in phrases[0] for word in phrase.split()}
    assert "dorottya" not in title(payments, phrases[0]).lower()


def test_a_key_phrase_never_spans_two_requests_or_two_sentences() -> None:
    """scikit-learn's analyser read a cluster as one run of words: a request's last word and the
    next one's first made a phrase ("...was declined" then "the card..." gave "declined card")."""
    proofs = ["Proof of insurance", "Employer asks. Insurance", "Employer asks for proof\nInsurance"] * 3
    declines = ["my card was declined", "card is declined again", "the card got declined"]
    others = [["my new card arrived", "insurance card"], ["employer declined", "proof declined"]]
    phrases = key_phrases([proofs, declines, *others])
    assert not [
        phrase
        for phrase in phrases[0]
        if phrase in ("insurance employer", "asks insurance", "proof insurance")
    ]
    # Stop words between two words of a sentence still make a phrase: "card was declined".
    assert phrases[1] == ["card declined"]


def test_words_of_the_english_stop_list_that_name_things_stay_in_titles() -> None:
    """scikit-learn's stop list holds "bill", "amount", "name", "interest": "Pay latest" titled
    requests to pay the latest bill."""
    bills = [
        "I want to pay my latest bill",
        "can I pay my latest bill with you?",
        "I want to pay my latest bill for account 382938213",
        "i need to pay my latest bill please",
    ]
    assert title(bills, ["pay", "latest bill"]) == "Pay latest bill"
    names = [
        "I got married and need to change my name",
        "change my name on the account",
        "how to change name",
    ]
    assert title(names, ["change name", "married"]) == "Change name"


def test_no_bigram_crosses_the_end_of_a_sentence_a_line_or_a_clause() -> None:
    terms = _Terms(frozenset({"was", "said"}))("Card was declined. Shop said no\nBrowser: Safari, iPhone")
    assert "card declined" in terms and "shop no" in terms
    assert not {"declined shop", "no browser", "browser safari", "safari iphone"} & set(terms)


def test_a_word_the_requests_write_in_capitals_keeps_them_in_the_title() -> None:
    """ "Atm kept" and "Uk account" read as typos of what every request writes."""
    atm = ["The ATM kept my card", "ATM swallowed my card", "the atm kept my card", "ATM kept card again"]
    assert title(atm, ["atm", "card"]) == "ATM kept"
    uk = ["I need a UK account", "how do I open a UK account", "open UK account please"]
    assert title(uk, ["uk account"]) == "Open UK account"
    # A word written in capitals now and then ("PLEASE") keeps its usual form.
    loud = [
        "Please replace my lost card",
        "replace lost card PLEASE",
        "Need to replace lost card",
        "replace lost card",
    ]
    assert title(loud, ["lost card"]) == "Replace lost card"
