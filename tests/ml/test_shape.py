"""The shape of a text: links, who it addresses, shouting and keyboard mashing, each from 0 to 1."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from convosift.ml.shape import SHAPE_FEATURES, shape_features


def _shape(text: str) -> dict[str, float]:
    return dict(zip(SHAPE_FEATURES, (float(x) for x in shape_features([text])[0]), strict=True))


def test_every_feature_is_between_0_and_1() -> None:
    texts = ["", "   ", "!!!!!!!!!!!!", "😂😂😂", "a" * 500, "http://a.io " * 20, "I I I I my my me"]
    rows = shape_features(texts)
    assert rows.shape == (len(texts), len(SHAPE_FEATURES))
    assert np.all(rows >= 0.0) and np.all(rows <= 1.0)


def test_a_lure_addresses_the_reader_a_customer_speaks_of_themselves() -> None:
    lure = _shape("You WON!!! Claim your prize at https://win.example.top or call +1 888 555 0142")
    customer = _shape("I was charged twice for my order, can you refund me?")
    assert lure["addresses_reader"] > customer["addresses_reader"]
    assert customer["speaks_of_self"] > lure["speaks_of_self"]
    assert lure["links"] > 0 and lure["phone_numbers"] > 0 and lure["exclamations"] > 0
    assert customer["links"] == customer["phone_numbers"] == customer["exclamations"] == 0
    assert customer["asks"] == 1.0


def test_pronouns_are_read_in_other_languages() -> None:
    assert _shape("Ich kann mich nicht anmelden, mein Passwort geht nicht")["speaks_of_self"] > 0
    assert _shape("No puedo entrar en mi cuenta desde ayer")["speaks_of_self"] > 0
    assert _shape("Confirmez votre adresse pour recevoir votre colis")["addresses_reader"] > 0


def test_keyboard_mashing_is_odd_but_words_typed_along_a_row_are_not() -> None:
    assert _shape("asdf qwer zxcv hjkl")["odd_words"] == 1.0
    assert _shape("sdlkfj xcvmn aaaargh")["odd_words"] == 1.0
    assert _shape("your tower is pretty, the answer is proper")["odd_words"] == 0.0
    # The letters of a link are not words.
    assert _shape("see https://bit.ly/3xRnkUp please")["odd_words"] == 0.0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_character_counts_equal_a_character_by_character_reading(text: str) -> None:
    letters = [c for c in text if c.isalpha()]
    visible = [c for c in text if not c.isspace()]
    row = _shape(text)
    assert row["uppercase"] == np.float32(sum(c.isupper() for c in letters) / max(1, len(letters)))
    symbols = sum(not c.isalnum() and c not in ".,'?" for c in visible)
    assert row["symbols"] == np.float32(symbols / max(1, len(visible)))
    assert row["digits"] == np.float32(sum(c.isdigit() for c in visible) / max(1, len(visible)))
