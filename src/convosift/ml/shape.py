"""The shape of a text: counts that words and character n-grams do not carry.

Junk and customer messages differ in how they are written as much as in what they say: a pitch or
a lure addresses the reader ("your account", "you won") where a customer speaks of themselves
("my card", "I was charged"); bulk mail carries links, addresses and phone numbers; shouting,
emoji and keyboard mashing have a shape of their own. TF-IDF weighs each word by how rare it is,
so "your" and "my" carry little, and no n-gram counts how many links a text holds. Each feature
here is a number from 0 to 1. Only the junk detector uses them (``FeatureParams.shape_weight``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_URL = re.compile(
    r"\b(?:https?|hxxps?)://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|net|org|io|co|info|biz|top|shop|xyz|ly|me|app)(?:/\S*)?\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_PHONE = re.compile(r"(?:\+|\b)\d[\d ().-]{7,}\d\b")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# The writer and the reader in the languages the shipped texts are written in (English, Spanish,
# Portuguese, French, Italian, German, Dutch); words that name either in some language ("je",
# "te") are left out.
_SELF_WORDS = (
    "i i'm i've i'd i'll im ive me my mine myself "
    "yo mi mis mío mía conmigo eu meu minha meus minhas moi mon ma mes j'ai "
    "io mio mia miei ich mich mir mein meine meinen meinem meiner ik mijn mij"
)
_READER_WORDS = (
    "you your yours you're you've you'll you'd yourself ur u "
    "tú tu tus usted ustedes su sus vous votre vos você seu sua "
    "voi vostro vostra tuo tua du dich dir dein deine sie ihr ihre ihnen uw jij"
)
_SELF = frozenset(_SELF_WORDS.split())
_READER = frozenset(_READER_WORDS.split())
_VOWELS = frozenset("aeiouyáéíóúàèìòùäëïöüâêîôûåæøœ")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Three neighbouring keys of one row, either way, that no common word of a Latin-script language
# holds ("wer", "ert", "rty", "poi", "tre", "rew" do: answer, alert, party, point, street, crew).
_KEYBOARD_RUNS = frozenset(
    run
    for row in _ROWS
    for side in (row, row[::-1])
    for run in (side[i : i + 3] for i in range(len(side) - 2))
    if run not in {"wer", "ert", "rty", "poi", "tre", "rew", "uyt", "ytr"}
)
_REPEAT = re.compile(r"(.)\1\1")
SHAPE_FEATURES = (
    "links",
    "email_addresses",
    "phone_numbers",
    "speaks_of_self",
    "addresses_reader",
    "uppercase",
    "exclamations",
    "symbols",
    "digits",
    "shortness",
    "asks",
    "odd_words",
)
"""The name of each column :func:`shape_features` returns, in order."""


def shape_features(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """One row per text, one column per name of :data:`SHAPE_FEATURES`, each from 0 to 1."""
    import numpy as np

    rows = np.zeros((len(texts), len(SHAPE_FEATURES)), dtype=np.float32)
    for i, text in enumerate(texts):
        rows[i] = _shape(text)
    return rows


def _shape(text: str) -> list[float]:
    links = len(_URL.findall(text))
    # Words are read without the links, whose letters ("https", "bit.ly") spell nothing.
    words = [word.lower() for word in _WORD.findall(_URL.sub(" ", _EMAIL.sub(" ", text)))]
    # Counted with str methods mapped in C: this runs on every kept conversation.
    letters = list(filter(str.isalpha, text))
    visible = list(itertools.filterfalse(str.isspace, text))
    # ".", ",", "'" and "?" are visible and not alphanumeric: they are taken out of the symbols.
    punctuation = sum(text.count(mark) for mark in ".,'?")
    symbols = len(visible) - sum(map(str.isalnum, visible)) - punctuation
    count = max(1, len(words))
    return [
        min(links, 3) / 3,
        min(len(_EMAIL.findall(text)), 2) / 2,
        min(len(_PHONE.findall(text)), 2) / 2,
        min(1.0, 5 * sum(map(_SELF.__contains__, words)) / count),
        min(1.0, 5 * sum(map(_READER.__contains__, words)) / count),
        sum(map(str.isupper, letters)) / max(1, len(letters)),
        min(text.count("!"), 4) / 4,
        symbols / max(1, len(visible)),
        sum(map(str.isdigit, visible)) / max(1, len(visible)),
        1.0 / (1.0 + len(words) / 8),
        1.0 if "?" in text else 0.0,
        sum(map(odd_word, words)) / count,
    ]


@functools.lru_cache(maxsize=65_536)
def odd_word(word: str) -> bool:
    """A word no language spells: keys typed along a row, one letter thrice, or hardly a vowel."""
    if len(word) < 4 or not word.isascii():
        return False
    if any(word[i : i + 3] in _KEYBOARD_RUNS for i in range(len(word) - 2)) or _REPEAT.search(word):
        return True
    return sum(char in _VOWELS for char in word) / len(word) < 0.15
