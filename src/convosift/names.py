"""Common given names of many languages: how a name under a sign-off or after "I'm" is told from a
word of the request."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

GIVEN_NAMES = Path(__file__).resolve().parent / "data" / "given_names.txt"


def is_given_name(word: str) -> bool:
    """Whether ``word`` is a common given name of :func:`given_names`, whatever its case and accents
    ("José", "Zoë" and "Jürgen" as "jose", "zoe" and "jurgen")."""
    lowered = word.lower()
    return lowered in given_names() or (not lowered.isascii() and _unaccented(lowered) in given_names())


def _unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@functools.cache
def given_names() -> frozenset[str]:
    """Common given names of many languages (``data/given_names.txt``), lower-cased."""
    lines = GIVEN_NAMES.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))
