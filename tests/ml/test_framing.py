"""The framing of a chat (greetings, names, references, thanks, nudges) is not its request."""

from __future__ import annotations

import pytest

from convosift.classify.categories import LocalCategoryClassifier
from convosift.config import load_settings
from convosift.ml.framing import is_field, is_framing, issue_text

FRAMING = [
    "Hi, this is Maria Lopez.",
    "Hello, my name is Tom Becker, account ref AC-204981.",
    "Good evening team",
    "hey its Jonas again (customer #55120)",
    "Ok, thank you for the quick reply.",
    "Any update on this? It's urgent.",
    "thanks a lot!! 😊",
    "Kind regards, Sophie",
    "Policy number PL-88120-B",
    "hellooo?",
    "👍",
    # A team's or an app's signature, a mail's header, and a greeting to one person are framing.
    "Home Claims Team",
    "Get Outlook for Android",
    "Subject: Re: Your account",
    "Hello Zoltan",
    # What to call the customer, even when the name is also a word ("Bill").
    "You can call me Mr Bill",
    "Please call me Anna.",
    "call me Dr. Rose Park",
    # Asking for help says nothing of what the help is for.
    "Can you please help?",
    "Could you assist me, please?",
    "I need help asap!!",
    # Chasing an earlier message says nothing new either.
    "Could someone please get back to me?",
    "Just checking in on this one.",
    "Following up on this one, it has been a while.",
    "It has been a week!",
    "Any progress?",
]
REQUESTS = [
    "Card declined.",
    "Card Declined",
    "Refund please.",
    "Where is my card?",
    "There is a problem.",
    "Account locked.",
    "PIN?",
    "Hi, my card was declined",
    "Any update on my refund?",
    "Thanks, that worked!",
    "Can I get a quote?",
    # A request in title case, after a greeting or on its own, with framing words or without.
    "Hello, Cancel Transaction",
    "Good morning, Lost Card",
    "Hi, Cancel Order",
    "Order Not Received",
    "Account Locked",
    "Please Cancel",
    "Can you help me with my refund?",
    "I need assistance filing a claim",
    # Help with something names its topic, even when the topic is a reference word ("order").
    "Can you help me with my order?",
    "I need help with my account",
    "Need assistance regarding my booking",
    "Hi, Refund",
    "Please call me back.",
    "Call me ASAP",
    "call me",
    # "get" asks for something unless it asks for an answer.
    "I need to get the policy number",
    "Can I get a Visa from you?",
    "Can I get one?",
    # Nor is an e-mail one: "No email" says the reset mail never came.
    "No email",
    "Can you email me?",
]


@pytest.mark.parametrize("sentence", FRAMING)
def test_greetings_names_references_thanks_and_nudges_are_framing(sentence: str) -> None:
    assert is_framing(sentence)


@pytest.mark.parametrize("sentence", REQUESTS)
def test_a_sentence_with_anything_more_is_not_framing(sentence: str) -> None:
    assert not is_framing(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "But it has not.",
        "It has not.",
        "I didn't!",
        "I did not order this.",
        "It isn't here.",
        "It is not here.",
        "Not my order.",
        "Order not confirmed.",
        "Still nothing.",
        "Tried twice.",
        "What is the policy?",
        "I already have an account.",
        "I'd like to cancel.",
    ],
)
def test_a_short_sentence_that_states_the_problem_is_no_conversation_framing(sentence: str) -> None:
    # Without a word of asking for a person, judging the help or the like, such words stay a request's.
    """Words about the conversation ("not", "tried", "person") never take a statement of the problem
    with them: "I checked for the refund. But it has not." still says it has not arrived."""
    text = f"I checked my statement for the refund.\n{sentence}"
    assert issue_text(text) == text


def test_issue_text_keeps_the_request_and_its_lines() -> None:
    chat = "Hi team, Priya Nair here (member ID MB-55102).\nMy invoice shows the old address. Can you fix it?\nThanks!"
    assert issue_text(chat) == "My invoice shows the old address. Can you fix it?"
    thanks_only = "Hi there,\nThanks a lot!\nHave a nice day"
    assert issue_text(thanks_only) == thanks_only
    assert issue_text("I was charged twice.  Why?") == "I was charged twice.  Why?"


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("Hi my name is Michelle and I need to file a health claim pls", "I need to file a health claim pls"),
        ("hi my name is george smith and i want a quote.", "i want a quote."),
        ("Good morning, my name is Laurie, I want a quote for my condo", "I want a quote for my condo"),
        ("Hi there this is Bradley here I wish to report an accident", "I wish to report an accident"),
        ("Hey, I'm Trish, and I wanted to check my account balance", "I wanted to check my account balance"),
        # A word that only starts with "and" stays.
        ("I'm Sam, andrew's dad: my son lost his card", "andrew's dad: my son lost his card"),
        # Not introductions: no capitalised name after "I am", a name that is the problem.
        ("I am looking for a new plan and a discount", None),
        ("My name is wrong on my card and I need it fixed", None),
        ("This is urgent, my card was stolen", None),
        ("My name is Tom and", None),  # nothing left to read: the sentence stays whole
    ],
)
def test_an_introduction_opening_the_request_is_left_out(text: str, wanted: str | None) -> None:
    assert issue_text(text) == (wanted if wanted is not None else text)


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        (
            "How long will it be to get this new card?\nLena Novak",
            "How long will it be to get this new card?",
        ),
        ("Where is my card? Raj Patel", "Where is my card?"),
        ("My parcel is late\n- Omar", "My parcel is late"),
        ("My card is lost\nThanks,\nLena Novak\nCasa Olivo", "My card is lost"),
        ("My card was declined\nThanks, Maria Lopez\nCasa Olivo", "My card was declined"),
        # Not a signature: no given name opens it, or it says something more.
        ("Can I pay with\nApple Pay", None),
        ("Please send it to\nLena Novak\n12 High Street", "Please send it to\n12 High Street"),
        ("My card was declined\nCasa Olivo", None),
        # A request in title case, under a greeting or a name, or opened by a given name.
        ("Hi\nChris Account Locked\nhelp me", "Chris Account Locked"),
        (
            "Hello, this is Lena\nRefund Not Received\nI paid on Monday",
            "Refund Not Received\nI paid on Monday",
        ),
        (
            "My card was declined\nThanks, Maria\nNew Card Not Arrived",
            "My card was declined\nNew Card Not Arrived",
        ),
        ("Lena Novak", None),  # a name alone is what the conversation holds
        ("My card was declined\nThanks, Maria\nRefund please", "My card was declined\nRefund please"),
        # Under a sign-off, any name: words no customer writes in lower case, known names or not.
        ("My card was declined.\n\nRegards,\nChloe", "My card was declined."),
        ("How do I top up?\nThanks,\nSam O'Brien", "How do I top up?"),
        ("Where is my refund?\nBest,\nSofia Müller", "Where is my refund?"),
        ("Hello\nThank you\nPassword Reset Link Expired", "Password Reset Link Expired"),
        ("My parcel is late.\nThanks\nDouble Charge", "My parcel is late.\nDouble Charge"),
        # A blank line ends a signature: what follows it is no company under the name.
        ("My card is lost\nBest, Lena Novak\n\nMonzo Frozen", "My card is lost\nMonzo Frozen"),
    ],
)
def test_a_name_alone_and_the_company_under_it_are_framing(text: str, wanted: str | None) -> None:
    assert issue_text(text) == (wanted if wanted is not None else text)


def test_a_long_run_of_framing_words_is_read_in_one_pass() -> None:
    sentence = " ".join(["Hi"] * 30) + " declined"
    assert not is_framing(sentence)
    assert is_framing("Hi " * 30)
    assert not is_framing("Hi " * 60)  # longer than a framing sentence ever is


@pytest.mark.parametrize(
    "line",
    [
        "Plan: Pro",
        "- Browser: Chrome 124.0",
        "* App version: 5.12.3 (build 4821)",
        "Account type: Joint checking",
        "Customer since: March 2017",
        "Page URL: https://www.example.com/account/billing",
        "Status: active",
    ],
)
def test_a_detail_a_form_adds_is_framing(line: str) -> None:
    assert is_field(line)
    assert issue_text(f"My transfer never arrived\n{line}") == "My transfer never arrived"


@pytest.mark.parametrize(
    "line",
    [
        # Keys that announce the customer's own words, and values with a word of a request.
        "Subject: Card declined",
        "Problem: refund",
        "Category: Billing",
        "Re: card declined",
        "Order: not received",
        "Payment failed: card declined",
        "FYI: the app crashed again",
        "Quick question: how do I reset my PIN?",
        # A word of a state or a wish.
        "Account: locked",
        "URGENT: card stolen",
        "Password reset: link expired",
        "Status: pending",
        "Suggestion: dark mode",
        # A long value.
        "Browser: the export on the reports page gives an empty file every single time since Monday",
    ],
)
def test_a_line_that_says_something_is_no_detail(line: str) -> None:
    assert not is_field(line)
    assert line in issue_text(f"Hello\n{line}\nAccount type: Joint")


def test_a_role_under_a_signature_stays_a_signature_s() -> None:
    """ "Manager" is a word of asking for a person, and still a role under a name."""
    text = "The parcel never came\nThanks,\nLena Novak\nOffice Manager\nBlue Fern Bakery"
    assert issue_text(text) == "The parcel never came"


def test_a_detail_is_dropped_only_under_the_request_and_in_english() -> None:
    # Above any request, a line in a detail's form may be the request itself.
    assert issue_text("Hello\nAccount type: Joint\nCan you look into it?") == (
        "Account type: Joint\nCan you look into it?"
    )
    german = "Ich habe ein Problem mit der Karte\nPlan: Premium"
    assert issue_text(german) == german


@pytest.mark.parametrize(
    "line",
    [
        "https://www.example.com/account/settings?tab=2",
        "jo.marlow@example.com",
        "screenshot.png",
        "IMG_2231.HEIC",
        "[Image attached]",
        "[image: scan.pdf]",
        "[image: Inline image 1]",
        "[Image #1]",
        "[File: Invoice March.pdf]",
        "📎 receipt.pdf, invoice.PDF",
    ],
)
def test_a_link_a_file_or_an_address_alone_is_framing(line: str) -> None:
    assert issue_text(f"My transfer never arrived\n{line}") == "My transfer never arrived"


@pytest.mark.parametrize(
    "line",
    ["[Screenshot: error 500 on checkout]", "See https://example.com/status for the error", "My card.Txt"],
)
def test_a_line_with_words_beside_a_link_or_a_file_is_kept(line: str) -> None:
    assert line in issue_text(f"My transfer never arrived\n{line}")


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> LocalCategoryClassifier:
    return LocalCategoryClassifier(load_settings(cache_dir=tmp_path_factory.mktemp("models")))


REQUESTS_OF_EACH_KIND = [
    "The app logs me out every time I open the statements page",
    "How do I add my partner as a second driver on the policy?",
    "I was charged the delivery fee twice on the same order",
    "I forgot my password and the reset email never arrives",
    "Can you add dark mode to the app?",
]


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("Hello, my name is Tom Becker, account ref AC-20481.", "Ok, thank you for the quick reply."),
        # A bare name under a request once changed the category of 386 of 1,000 BANKING77 queries.
        ("", "Lena Novak"),
        ("", "- Omar"),
        ("", "Thanks,\nRaj Patel\nCasa Olivo"),
        # A plea for help after the request once changed the category or the confidence of some.
        ("Hi,", "Can you please help?"),
        ("", "Could you assist me with this please"),
        # A later message about the conversation itself, not about the request.
        ("", "ok. can I talk to a human?"),
        ("", "I tried those steps, no luck. Please escalate"),
        # A form's details under the request: "Plan: Pro" alone once made a failure a sure billing question.
        ("", "- Plan: Pro\n- Browser: Safari"),
        ("", "Account type: Joint checking\nCustomer since: March 2017\nCountry: Germany"),
    ],
)
def test_framing_does_not_change_the_category(
    classifier: LocalCategoryClassifier, opening: str, closing: str
) -> None:
    framed = [f"{opening}\n{text}\n{closing}".strip() for text in REQUESTS_OF_EACH_KIND]
    bare = classifier.classify(REQUESTS_OF_EACH_KIND)
    wrapped = classifier.classify(framed)
    assert [r.category for r in wrapped] == [r.category for r in bare]
    assert [r.confidence for r in wrapped] == [r.confidence for r in bare]
