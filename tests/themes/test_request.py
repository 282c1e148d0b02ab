"""The customer's request: greetings, names, e-mails, numbers and courtesy do not reach discovery."""

from __future__ import annotations

import re

from convosift.themes.request import NUMBER_SHOWN, NUMBER_WORDS, customer_request, scrubbed, shown_lines


def test_a_chat_keeps_only_the_request() -> None:
    chat = (
        "Hi there, my name is Anna Berg. I lost my card yesterday, what do I do?\n"
        "My account number is seven, zero, four, two.\n"
        "You can reach me at anna.berg@example.com or +44 20 7946 0958.\n"
        "Thanks, Anna"
    )
    assert customer_request(chat) == "I lost my card yesterday, what do I do?"


def test_a_name_alone_on_a_line_is_a_signature() -> None:
    chat = "Hi,\nIs there a public roadmap somewhere?\nThanks!\nNoah\nAttached a screenshot."
    assert customer_request(chat) == "Is there a public roadmap somewhere? Attached a screenshot."
    assert customer_request("Hello\nWhy was I charged twice?\n— Ravi Patel") == "Why was I charged twice?"


def test_a_sign_off_s_name_and_a_nudge_are_no_part_of_the_request() -> None:
    """Names under a sign-off that no list holds once made a proposal of their own ("Brien": "Sam",
    "Grace", "O'Brien"), and a chaser glued to the request became its quote."""
    mail = "Dear Support,\n\nHow does someone else top up my account\n\nThanks,\nSam O'Brien"
    assert customer_request(mail) == "How does someone else top up my account"
    chased = "Tell me about verifying top-up\nCould someone please get back to me? It has been a day."
    assert customer_request(chased) == "Tell me about verifying top-up"
    # An introduction before the request leaves no "and" behind.
    assert customer_request("My name is Iris Gritman and I need a quote for condo insurance please.") == (
        "I need a quote for condo insurance please."
    )


def test_greetings_without_a_comma_keep_the_next_word() -> None:
    assert customer_request("Good morning Why is the rate different?") == "Why is the rate different?"
    assert customer_request("This is John. Why was I charged twice?") == "Why was I charged twice?"


def test_a_letter_s_salutation_to_sir_or_madam_is_a_greeting() -> None:
    """A letter's "Dear Sir/Madam," once left "/Madam," at the head of every quote of a proposal."""
    for greeting in ("Dear Sir/Madam,", "Dear Sir / Madam,", "Dear Sir or Madam,", "Dear Sirs,"):
        assert customer_request(f"{greeting} my card was declined.") == "my card was declined."
    assert customer_request("Dear Anna, or whoever reads this: my card was declined.") == (
        "or whoever reads this: my card was declined."
    )


def test_courtesy_alone_leaves_nothing() -> None:
    for text in ("Any update?", "Hello? Is anyone there?", "Thank you!", "My email is a.b@example.com."):
        assert customer_request(text) == ""


def test_no_digit_or_number_word_survives() -> None:
    text = "I was charged 3 times, twenty euros each, on order #12345. Please refund two of them."
    cleaned = customer_request(text)
    words = set(re.findall(r"[a-z]+", cleaned.lower()))
    assert not re.search(r"\d", cleaned) and not words & NUMBER_WORDS
    assert "refund" in words and "charged" in words


def test_a_detail_after_the_request_is_cut_off_and_nothing_personal_is_left() -> None:
    assert customer_request("I dont have a pin My email is sofia.rossi60@example.com.") == "I dont have a pin"
    assert scrubbed("Write to ada@example.com about order 42, twenty items") == "Write to about order items"


def test_an_introduction_in_lower_case_is_no_part_of_the_request() -> None:
    """Chats written in lower case introduce the writer without a capital: the name must not
    become what a cluster is about. A greeting sentence that only introduces the writer goes when
    its word reads as a name (a listed given name, or a word no seed text uses: "zara"), not when
    it states the problem ("it's broken"); inside a request, a given name goes with its "im"."""
    assert (
        customer_request("Hello, this is zara. Where is my verification code?")
        == "Where is my verification code?"
    )
    assert customer_request("hey this is omar here, the card never came") == "the card never came"
    assert customer_request("hi im priya, my card is blocked") == "my card is blocked"
    # Not an introduction: the words stay, after a greeting too.
    assert customer_request("This is broken. The app crashes") == "This is broken. The app crashes"
    assert customer_request("Hi, it's broken. Why?") == "it's broken. Why?"
    assert customer_request("Hi, I'm stuck. Why?") == "I'm stuck. Why?"
    assert customer_request("hello this is ridiculous, the app is down again") == (
        "this is ridiculous, the app is down again"
    )


def test_lines_stay_lines_when_asked_so_a_line_s_first_word_is_no_name() -> None:
    """Chats end lines without a full stop; joined, "Attached" would read as capitalised inside a
    sentence, as a name or a brand does. With ``lines``, every sentence kept is a line."""
    from convosift.themes.naming import proper_words

    chat = "Hi there,\nThe SSL certificate never gets issued\nAttached a screenshot of the error"
    lined = customer_request(chat, lines=True)
    assert lined == "The SSL certificate never gets issued\nAttached a screenshot of the error"
    assert customer_request(chat) == lined.replace("\n", " ")
    assert "attached" in proper_words([customer_request(chat)])
    assert "attached" not in proper_words([lined])
    # A full stop the cleaning takes away (with the number before it) still ends the sentence.
    paid = customer_request("I paid 50. Refund please, the order never came", lines=True)
    assert paid == "I paid\nRefund please, the order never came"
    assert "refund" not in proper_words([paid])


def test_a_name_with_a_capital_inside_it_is_a_name_everywhere() -> None:
    """ "O'Neill" once left "Neill" behind, and 17 unrelated requests became a proposal "Neill"."""
    texts = [
        "Hi, this is James O'Neill. My card no longer works.\nThanks, James O'Neill",
        "Hello, James O'Neill here. My card no longer works.",
        "My card no longer works.\n-- James O'Neill",
        "Hi, I'm Ronald McDonald. My card no longer works.",
    ]
    assert {customer_request(text) for text in texts} == {"My card no longer works."}
    # Words in capitals are no names, and a shop's name inside the request stays.
    assert customer_request("ATMs keep my card") == "ATMs keep my card"
    assert customer_request("My card was declined at McDonald's") == "My card was declined at McDonald's"


def test_shown_lines_are_the_request_lines_with_placeholders_for_numbers() -> None:
    text = "Hello, my name is Tom.\nI tried two ATMs and both gave me only 20 of the 100 I asked for.\nMy card number is four four one two, thanks"
    lines = customer_request(text, lines=True).splitlines()
    pairs = shown_lines(text)
    assert [line for line, _ in pairs] == lines
    assert (
        pairs[0][1]
        == f"I tried {NUMBER_SHOWN} ATMs and both gave me only {NUMBER_SHOWN} of the {NUMBER_SHOWN} I asked for."
    )
    assert all("four" not in shown and "Tom" not in shown for _, shown in pairs)


def test_a_shown_line_has_no_value_a_clean_line_would_not_have() -> None:
    """The address after "my address is" goes as it does from the request; spelled-out values are
    placeholders; "one" and "double" on their own stay words."""
    assert shown_lines("The parcel never came, my address is Flat one, Rose Court.") == [
        ("The parcel never came", "The parcel never came")
    ]
    shown = [
        line
        for _, line in shown_lines("My card ending seven and two was declined. I was charged twenty pounds")
    ]
    assert shown == [f"My card ending {NUMBER_SHOWN} was declined.", f"I was charged {NUMBER_SHOWN} pounds"]
    assert (
        shown_lines("I need to double check one of those cards")[0][1]
        == "I need to double check one of those cards"
    )


def test_oh_one_more_thing_is_words_and_other_pairs_are_values() -> None:
    assert shown_lines("Oh, one more thing: my card was charged twice.")[0][1] == (
        "Oh, one more thing: my card was charged twice."
    )
    assert shown_lines("The code they sent was one one two three and it failed")[0][1] == (
        f"The code they sent was {NUMBER_SHOWN} and it failed"
    )
    assert (
        shown_lines("There is one double charge on my card")[0][1] == "There is one double charge on my card"
    )
    for value in ("double one", "one one", "oh one"):
        shown = shown_lines(f"My PIN ends in {value} and it fails")[0][1]
        assert shown == f"My PIN ends in {NUMBER_SHOWN} and it fails", value
