"""A message's own words: an e-mail without the history it quotes, its signature and its notices."""

from __future__ import annotations

import pytest

from convosift.domain import Conversation, Message
from convosift.replies import own_words

REQUEST = "My card was declined at the ATM this morning, can you check why?"


@pytest.mark.parametrize(
    "history",
    [
        # Gmail, with the header wrapped onto two lines
        "On Mon, Dec 2, 2024 at 10:12 AM Support Team <\nsupport@bank.example> wrote:\n"
        "> Hi Maria, could you confirm the last four digits?\n> Best, Priya",
        # Apple Mail, the quote without ">" once the HTML is gone
        "On 2 Dec 2024, at 10:12, Support <support@bank.example> wrote:\nHi Maria, have you tried again?",
        # Outlook
        "________________________________\nFrom: Support <support@bank.example>\n"
        "Sent: Monday, December 2, 2024 10:12 AM\nTo: Maria Lopez\nSubject: RE: Card\n\nHi Maria, any luck?",
        "-----Original Message-----\nHi Maria, could you send a screenshot?",
        # German
        "Am 02.12.2024 um 10:12 schrieb Support <support@bank.example>:\n> Hallo Maria",
        "De : Support <support@bank.example>\nEnvoyé : lundi 2 décembre 2024 10:12\nÀ : Maria\nBonjour",
        "---- On Mon, 2 Dec 2024 10:12 Support <support@bank.example> wrote ----\nHi Maria",
        "On Mon, 2 Dec 2024 at 10:12 Support <support@bank.example>\nwrote:\nHi Maria",
    ],
)
def test_a_quoted_reply_is_not_the_customer_s(history: str) -> None:
    assert own_words(f"{REQUEST}\n\n{history}") == REQUEST


@pytest.mark.parametrize(
    "signature",
    [
        "Kind regards,\nMaria Lopez\nHead of Operations | Blue Fern Bakery\nT: +44 20 7946 0123\nwww.bluefern.example",
        '--\nRaj Patel\nKite & Key Studio\n"Measure twice, cut once."',
        "Thanks again\nTom\n(he/him)\nOut of office on Fridays",
        "Maria Lopez\nMob. +44 (0)7911 123 456",  # no closing: a name, then a way to reach her
        "Cheers,\nOmar\nSent between meetings, please excuse typos",
        "With thanks,\nLena Novak\nParish Council Clerk\nOut of office Fridays",
        "Many thanks and have a lovely weekend,\nAisha\nPlease note I do not read emails on Fridays",
    ],
)
def test_a_signature_and_its_closing_go(signature: str) -> None:
    assert own_words(f"Hi,\n{REQUEST}\n\n{signature}") == f"Hi,\n{REQUEST}"


def test_device_lines_notices_and_banners_go() -> None:
    mail = (
        "CAUTION: This email originated from outside of the organization. Do not click links.\n"
        f"{REQUEST}\nSent from my iPhone\n"
        "This email and any attachments are confidential and intended solely for the use of the "
        "individual to whom they are addressed. If you have received this email in error please "
        "notify the sender."
    )
    assert own_words(mail) == REQUEST
    for line in (
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Sent from my Huawei phone",
        "Von meinem iPhone gesendet",
        "WARNING: External sender. Do not click links you do not trust.",
        "Disclaimer: the views expressed in this email are the author's own and do not form part of any contract.",
        "Verstuurd vanaf mijn iPhone",
        "[EXTERNAL] This email was sent from an external address. Be careful with links.",
        "You don't often get email from this sender. Learn why this is important.",
        "Save paper and trees: only print this email if you must.",
        "Your privacy matters to us. Personal data in this message is handled as our privacy notice on the website explains.",
    ):
        assert own_words(line) == ""


@pytest.mark.parametrize(
    "chat",
    [
        "Sent from my phone but the payment failed",
        "Thanks\nMy card still doesn't work",
        "On 2 March I wrote to you about this:\nmy refund is missing",
        "> 100 orders a day fail\nsince Monday",
        "Thanks, Maria",
        "Please keep this confidential, my account was hacked",
        "I need to print this email for my records, the PDF is blank",
        "From: my bank\nit says my card is blocked",
        "Kind regards,\nwhy was I charged twice?",
        # a greeting is no name that opens a signature, and a sentence with a number is no phone line
        "Hi\nCan I put my old card back in the app? My account number is 761516085.\nCheers, Anna",
    ],
)
def test_chat_messages_keep_every_word(chat: str) -> None:
    assert own_words(chat) == chat


def test_own_words_is_idempotent() -> None:
    mail = f"{REQUEST}\nCheers,\nTom\n+1 555 0100\nOn Mon, 2 Dec 2024 at 10:12, Support <s@x.example> wrote:\n> hi"
    once = own_words(mail)
    assert once == REQUEST and own_words(once) == once


def test_the_customer_text_of_a_conversation_is_each_message_s_own_words() -> None:
    # Each message is cut on its own: the history quoted by the first does not swallow the second.
    first = f"{REQUEST}\nOn 2 Dec 2024, at 10:12, Support <s@x.example> wrote:\n> Hi, any luck?"
    second = "Still declined today.\nOn 3 Dec 2024, at 09:01, Support <s@x.example> wrote:\n> Try again"
    conversation = Conversation(
        id="1",
        created_at=1_700_000_000,
        updated_at=1_700_000_100,
        opener=first,
        messages=(
            Message(id="m1", part_type="comment", author_type="user", body=second),
            Message(id="m2", part_type="comment", author_type="user", body="Sent from my iPhone"),
        ),
    )
    assert conversation.customer_text == f"{REQUEST}\nStill declined today."
