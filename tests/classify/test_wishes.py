"""The forms of a wish (classify/wishes.py): what a feature_request guess must be backed by."""

from __future__ import annotations

import pytest

from convosift.classify.wishes import wish_evidence

WISHES = [
    "It would be great if the app had a dark mode.",
    "Any plans to add Apple Pay?",
    "We need pivot-style custom reports, any plans?",
    "When will there be an Android app?",
    "Is a report builder coming?",
    "Why don't you offer evening slots?",
    "add a home screen widget showing todays usage pls",
    "Offer paper bags instead of plastic please!",
    "Please add support for Google Pay",
    "You should open the library on Sunday afternoons",
    "Hi,\nwould love to order from two restaurants at once\nThanks, Ana",
    "It would be helpful if you could add Apple Pay",
    "I wish you had a family plan",
    "Would love to see a dark mode",
    "Please add a way to pay by bank transfer",
    # Something new for the product, on the customer's own account or page: still a wish.
    "Please add a dark mode option to my account settings",
    "Could you add a search filter to the ticket list?",
    "Please allow us to export reports as PDF",
    "Could you allow me to change my username?",
    "I'd love to get a dark mode in the app",
    "I wish to see a dark mode",
    "Please add a kids mode",
    "Please add credit card payments at checkout",
    "Please add a member directory to the community page",
    # Money is a mass noun: balances in several currencies are something new.
    "Please add multi-currency balances to the app",
    "Please add multi-currency balances",
]
NOT_WISHES = [
    # Politeness, chasers and questions about what exists: no wish.
    "Any help would be appreciated.",
    "It's urgent, any help would be great, thanks!",
    "I need support for my account",
    "Need support please",
    "Is my refund coming?",
    "Why don't you answer?",
    "How do I avoid this in the future?",
    "Add money failed again",
    "Do you have any plans for families?",
    "I would like a card please.",
    "Please let me know my balance",
    # A plea for the help asked for, in a wish's words.
    "It would be ideal if you assist me with this",
    "It would be great if you could help me with my refund",
    "It'd be nice if someone could get back to me",
    "Would be great if you could let me know",
    # A service on the customer's own account, or a formal "I want to", in a wish's words.
    "please add my newborn son to my health plan",
    "Hi, please add a dependent to my plan",
    "Can you add money to my card?",
    "Add a second driver to my car insurance policy please",
    "I wish to file a life insurance claim please.",
    "I'd love to get a quote for my condo",
    "I no longer need the current plan and would love to switch it to another",
    "I would love to change my plan",
    "please add me to the family plan",
    "Please add my new address to my account",
    "Please add a note to my file",
    "Can you add $50 to my gift card balance?",
    "Hi, please offer me a quote for my auto insurance",
    "please add some funds to my wallet",
    "Please add my kids to the policy",
    "Please add more credits",
    "Please add extra credits.",
    "Please add my remaining balances",
]


@pytest.mark.parametrize("text", WISHES)
def test_a_wish_says_so(text: str) -> None:
    assert wish_evidence(text) is not None


@pytest.mark.parametrize("text", NOT_WISHES)
def test_politeness_and_questions_are_no_wish(text: str) -> None:
    assert wish_evidence(text) is None


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", ["\n" * 50_000, "\n \t" * 20_000, "a." * 50_000, " " * 100_000 + "add"])
def test_long_runs_of_whitespace_and_stops_are_read_in_one_pass(text: str) -> None:
    # Rescanning a run of blank lines from each of its line breaks took 16 s for 20,000 of them.
    assert wish_evidence(text) is None
