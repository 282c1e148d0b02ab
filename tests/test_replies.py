"""A message's own words: an e-mail without the history it quotes, its signature and its notices."""

from __future__ import annotations

import pytest

from convosift.domain import Conversation, Message
from convosift.replies import customer_part

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
    assert customer_part(f"{REQUEST}\n\n{history}") == REQUEST


@pytest.mark.parametrize(
    "signature",
    [
        "Kind regards,\nMaria Lopez\nHead of Operations | Blue Fern Bakery\nT: +44 20 7946 0123\nwww.bluefern.example",
        '--\nRaj Patel\nKite & Key Studio\n"Measure twice, cut once."',
        "Thanks again\nTom\n(he/him)\nOut of office on Fridays",
        "Maria Lopez\nMob. +44 (0)7911 123 456",  # no closing: a name, then a way to reach her
        "Cheers,\nOmar\nSent between meetings, please excuse typos",
        "With thanks,\nLena Novak\nParish Council Clerk\nOut of office Fridays",
        "Many thanks and have a lovely weekend,\nAisha\nWorking days: Mon-Wed",
        # Names written with their accents are the names of the list too.
        "Thanks,\nJosé",
        "Best regards,\nZoë Müller",
        "Kind regards,\nJürgen",
    ],
)
def test_a_signature_and_its_closing_go(signature: str) -> None:
    assert customer_part(f"Hi,\n{REQUEST}\n\n{signature}") == f"Hi,\n{REQUEST}"


def test_device_lines_notices_and_banners_go() -> None:
    mail = (
        "CAUTION: This email originated from outside of the organization. Do not click links.\n"
        f"{REQUEST}\nSent from my iPhone\n"
        "This email and any attachments are confidential and intended solely for the use of the "
        "individual to whom they are addressed. If you have received this email in error please "
        "notify the sender."
    )
    assert customer_part(mail) == REQUEST
    for line in (
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Sent from my Huawei phone",
        "Von meinem iPhone gesendet",
        "WARNING: External sender. This email came from outside the organisation. Do not click links.",
        "Disclaimer: the views expressed in this email are the author's own and do not form part of any contract.",
        "Verstuurd vanaf mijn iPhone",
        "[EXTERNAL] This email was sent from an external address. Be careful with links.",
        "You don't often get email from this sender. Learn why this is important.",
        "Save paper and trees: only print this email if you must.",
        "This email may contain confidential information; if you are not the intended recipient please delete it.",
    ):
        assert customer_part(line) == ""


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
    assert customer_part(chat) == chat


def test_the_customer_s_part_is_idempotent() -> None:
    mail = f"{REQUEST}\nCheers,\nTom\n+1 555 0100\nOn Mon, 2 Dec 2024 at 10:12, Support <s@x.example> wrote:\n> hi"
    once = customer_part(mail)
    assert once == REQUEST and customer_part(once) == once


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


# Customer messages shaped like what the rules look for: each must keep every word.
MUST_KEEP = [
    'On 3 March at 10:15 your agent wrote:\n"Your refund will arrive in 5 days"\nIt is now 20 March and I still have nothing.',
    "Am 12.03. um 10:15 schrieb ich Ihnen:\nDas Geld ist nicht angekommen.",
    "Op 12-03 om 10:15 schreef ik:\nmijn kaart werkt niet",
    "El 12/03 a las 10:15 su agente escribió:\nque el reembolso llegaría",
    "Le 12/03 à 10:15 votre conseiller a écrit :\nremboursement sous 5 jours",
    "On Friday I wrote to billing@acme.com:\nplease cancel my plan\nThey never replied, can you cancel it?",
    "On my invoice from 12.03 the amount is wrong.\nMy accountant wrote:\nthe VAT is missing",
    "On 2 Dec 2024 at 10:12 I wrote:\nplease close my account\nStill open.",
    "I need to change my flight:\nFrom: London\nDate: 12 May\nTo: Paris\nCan I move it to 14 May?",
    "I was charged for this call:\nFrom: 07911 123456\nDate: 12 March\nDuration: 3 min\nWhy is it £40?",
    "Von: meinem Girokonto\nDatum: 12.03.\nAn: Sparkonto\nDas Geld ist nicht angekommen.",
    "I got a phishing email that came from an external sender, what should I do?",
    "Warning banner says the email comes from outside the organization but it's from our CEO",
    "External email tagging is broken for our domain since yesterday",
    "Attention: I cannot share files with people outside our organization since the update",
    "Is there a way to print this email on A4 paper? The layout is cut off.",
    "The information in my profile is wrong and I got a virus warning when I opened your app, please help me fix it",
    "I need to change the registered office address of my company, the information in your system is outdated",
    "My laptop has a virus and I'm worried my confidential client files were leaked, please lock my account now",
    "Der Empfänger hat das Geld nicht erhalten, diese E-Mail ist schon meine dritte Anfrage dazu, bitte helfen Sie mir",
    "El destinatario de la transferencia no recibió el dinero, en este mensaje le adjunto el comprobante de pago",
    "My company is registered in England and I need a UK business account for the new office please",
    "Thank you\nBUT IT STILL DOES NOT WORK",
    "Thanks for nothing\nI WANT MY MONEY BACK NOW",
    "Hi\nThanks but it still does not work\nError Code 0x80070005",
    "Hi,\nThanks to the update the app crashes\nSamsung Galaxy S23\nAndroid 14",
    "Hi\nThanks\nParcel 12345678 still missing",
    "Thanks\nRefund Not Received",
    "My refund is missing.\nThanks,\nTom\nP.S. I checked on Monday, still no refund",
    "My refund is missing.\nThanks,\nAnna\nPlease note I'm not receiving any emails from you",
    "Hello,\nThe Direct Debit Failed\nRef: 88812345",
    "HELLO\nCARD BLOCKED AGAIN\nACCOUNT 12345678",
    "Hola\nTarjeta Bloqueada\nDNI: 12345678Z",
    "Sent from my phone so excuse typos, my card was declined twice today and I need it fixed",
    "First issue: the login fails.\n--\nSecond issue: I was charged twice.",
    "—\nAlso, the app logs me out every hour",
    "Steps to reproduce:\n> Settings\n> Account\n> Delete\nit crashes every time",
    "Sent via mail",
    "Von meinem PayPal gesendet",
    "Sent from my iPhone but it failed",
]


# Found by a second review: a request's details under "Thanks" (an order number, a new phone, an
# address), names and numbers the customer asks about, pasted records, first-person notices.
MUST_KEEP_TOO = [
    "My parcel hasn't arrived\nthanks\nOrder #4521",
    "Please update my phone number.\nThanks\n+44 7700 900123",
    "Can you change my email address?\nThanks,\nnew.address@gmail.com",
    "The app crashes when I open it.\nThanks\nSamsung Galaxy S23\nAndroid 14",
    "Where is my refund?\nCheers\nRef: ABC123",
    "Please change the delivery address\nThanks\n14 Elm Road\nLeeds LS1 4AB",
    "Login fails.\nThanks\nBrowser: Chrome 124\nOS: Windows 11",
    "Hello\nThank you\nPassword Reset Link Expired",
    "Bitte ändern Sie meine Telefonnummer.\nMit freundlichen Grüßen\n+49 151 23456789",
    "Hola, no me llega el reembolso.\nSaludos\nPedido 55123",
    "Hi, I moved house.\nThanks,\nTom\nNew address: 12 High Street, London SW1A 1AA",
    "My parcel is missing.\nThanks,\nTom\nPs. Order 5561",
    "Call me back please\nTom\n07700 900123",
    "Please update my details:\nAnna Smith\n12 High Street\nLondon\n+44 7700 900123",
    "The parcel should go to\nDavid Jones\n14 Elm Road\nLeeds LS1 4AB\n07700 900123",
    "Card blocked.\n--\nAlso\nthe app logs me out",
    "My order is late.\n--\nTom\nP.S. I also want a refund for the shipping.",
    "Payment details:\nFrom: anna@gmail.com\nTo: shop@acme.com\nDate: 12 March 2024\nAmount: £40\nThe money left my account but you say you didn't get it.",
    'I was promised a refund.\nOn 3 March 2024 at 10:15 your agent wrote:\n"Your refund will arrive in 5 days"\nIt is now 20 March and I still have nothing.',
    "Am 12.03.2024 schrieb mir Ihr Mitarbeiter:\nDas Geld kommt in 5 Tagen.\nEs ist immer noch nicht da.",
    "I am not the intended recipient of your emails, please stop sending me invoices for Mr Jones.",
    "Under GDPR I request deletion of all my data, and I also want to know your data retention period and why my confidential medical records were shared.",
    "Please update our registered office: 10 Downing Street, London SW1A 2AA, the company moved last month.",
    "My company is registered in England and Wales under number 12345678 and I need to change the director on the account.",
    "If you received this parcel by mistake please tell me, it was meant for my neighbour at number 12 and never arrived.",
    "Attention: the email I got from you was flagged as coming from outside, please confirm it's legit.",
    "WARNING: the email you sent says it is from an external sender and our IT blocked it",
    "You don't often get email from me but this is urgent: my account is locked.",
    "Please don't print this email, save the planet, just fix my account",
    "Sent from my Samsung Galaxy S23 To My Mum, She Never Got It",
    "The SMS code is never received.\nSent from my phone 07700 900123",
    # a request about the way to reach the customer: the lines under the closing answer it
    "Please call me on this number instead\nThanks\nAnna\n07700 900123",
    "Please update my address.\nRegards,\nTom Smith\n12 High Street\nLondon SW1A 1AA",
]


@pytest.mark.parametrize("text", MUST_KEEP + MUST_KEEP_TOO)
def test_a_customer_s_sentence_shaped_like_a_header_a_notice_or_a_signature_keeps_every_word(
    text: str,
) -> None:
    assert customer_part(text) == text


def test_the_customer_s_answer_under_a_quote_stays_and_a_forwarded_message_is_kept() -> None:
    answer = "Sure, it's 12345 and the parcel is still missing."
    header = "On Mon, 2 Dec 2024 at 10:12, Support <s@x.example> wrote:"
    assert customer_part(f"{header}\n> Could you send the order number?\n\n{answer}") == answer
    forwarded = (
        "See below, this is what I got.\n\n---------- Forwarded message ---------\n"
        "From: Bank <noreply@bank.example>\nDate: Mon, 2 Dec 2024 at 10:12\nSubject: Card blocked\n"
        "To: <me@x.example>\n\nYour card is blocked."
    )
    assert customer_part(forwarded) == forwarded


def test_two_signatures_go_in_one_pass() -> None:
    text = "Can you help?\nThanks in advance!\nMaria\nBest regards,\nMaria Lopez\nT: +44 20 7946 0123"
    assert customer_part(text) == "Can you help?"


def test_long_hostile_lines_take_linear_time() -> None:
    # Lines built to make a backtracking pattern explode: each must be read in well under a second.
    import time

    for text in (
        "Sent from my iPhone 15" + "!" * 20_000 + " help",
        "Sent from my iPhone " + "<" * 50_000 + " x",
        ("On 2 Dec 2024 at 10:12 " + "x " * 150 + "wrote:\n") * 200,
        "Thanks," + " Maria" * 5_000,
        "Help me\n" + "Thanks\nTom\n" * 20_000,
        "Help me\n" + "--\nTom\n" * 20_000,
        ("x " * 50_000 + "\n") * 20,
    ):
        started = time.process_time()
        customer_part(text)
        assert time.process_time() - started < 2.0
