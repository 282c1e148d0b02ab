"""Telling a request in another language from an English one (ml/language.py)."""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convosift.ml.language import ENGLISH_WORDS, OTHER_WORDS, other_language
from shared_data import BANKING77, INSURANCE

OTHER = [
    ("Hola, no puedo entrar en mi cuenta desde el martes, ¿me ayudan?", "Spanish"),
    ("Meine Rechnung ist falsch, bitte korrigieren Sie die Adresse.", "German"),
    ("Je n'arrive pas à payer avec ma carte, elle est refusée.", "French"),
    ("Não recebi o reembolso da minha compra cancelada.", "Portuguese"),
    ("Il pagamento non è andato a buon fine, potete verificare?", "Italian"),
    ("Ik heb mijn wachtwoord vergeten en de link werkt niet.", "Dutch"),
    ("Dzień dobry, nie dostałem jeszcze karty, proszę o pomoc.", "Polish"),
    ("Jag har inte fått min återbetalning än, kan ni kolla?", "Swedish"),
    ("Здравствуйте, не могу войти в аккаунт.", "a non-Latin script"),
    ("ログインできません。助けてください。", "a non-Latin script"),
    ("Chcę anulować subskrypcję przed płatnością.", "another language"),  # accents, no listed word
    ("Hola\nno puedo entrar en mi cuenta", "Spanish"),  # a one-word greeting line decides nothing
]
ENGLISH = [
    "Our café in São Paulo was charged twice for the same order.",
    "Hi, this is José Álvarez. My card was declined at the Zürich airport.",
    "Danke for the quick reply, but the invoice still shows the old address.",
    "Las Vegas trip insurance doesn't show in the app.",
    "Card declined at checkout",  # telegraphic: no small words of any language
    "Refund not received",
    "ok",
    "",
    # An English request above a disclaimer in French is read in English, however short.
    "What is the source of your exchange rates?\nCe message et ses pièces jointes sont "
    "confidentiels et destinés exclusivement à leurs destinataires. Si vous l'avez reçu par "
    "erreur, merci d'en avertir l'expéditeur et de le supprimer.",
    "Login broken\n\nDiese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige "
    "Adressat sind, informieren Sie bitte sofort den Absender.",
    "Card declined at checkout\nEnviado desde mi iPhone\nSaludos, Juan de la Vega",
    # Names, places and titles hold small words of other languages.
    "Ship to Calle de la Paz 12, Madrid",
    "Our shop Casa de la Moda cannot upload products",
    "La Casa de Papel won't play",
    "Anne van den Berg, de Groot & co",
    # Addresses, paths, code and quoted product messages are no prose.
    "The page https://shop.example.com/es/la-tienda/de-todo/ is broken",
    "Checkout fails on /es/mi-cuenta/la-orden",
    "TypeError: Cannot read properties of undefined (reading 'la') at el.de",
    "The app shows 'Ein Fehler ist aufgetreten' error",
]


@pytest.mark.parametrize(("text", "language"), OTHER)
def test_a_request_in_another_language_is_told_by_its_small_words(text: str, language: str) -> None:
    assert other_language(text) == language


@pytest.mark.parametrize("text", ENGLISH)
def test_names_places_loanwords_and_a_foreign_disclaimer_leave_english_english(text: str) -> None:
    assert other_language(text) is None


def test_no_real_english_request_is_taken_for_another_language() -> None:
    """10,003 BANKING77 queries and 913 insurance call turns, all English."""
    with BANKING77.open(encoding="utf-8") as handle:
        texts = [row[0] for row in csv.reader(handle)][1:]
    utterances = [
        json.loads(line)["utterance"] for line in INSURANCE.read_text(encoding="utf-8").splitlines()
    ]
    assert len(texts) == 10_003 and len(utterances) == 913
    texts += utterances
    assert [text for text in texts if other_language(text)] == []


@given(
    st.lists(
        st.sampled_from(sorted(ENGLISH_WORDS - {"me", "is", "was", "to", "on", "do", "am", "at"})),
        max_size=12,
    ),
    st.lists(st.sampled_from(sorted(OTHER_WORDS["Spanish"])), min_size=2, max_size=6),
)
def test_a_line_in_english_keeps_a_text_english_whatever_follows(
    english: list[str], spanish: list[str]
) -> None:
    """Two English small words make a line English; a Spanish line under it (a disclaimer, a
    signature) never turns the text, while the Spanish line alone is Spanish."""
    foreign = " ".join(spanish)
    assert other_language(foreign) == "Spanish"
    text = f"thanks for the help {' '.join(english)}\n{foreign}"
    assert other_language(text) is None
