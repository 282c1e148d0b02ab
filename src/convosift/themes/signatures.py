"""A suggested theme signature: ``snake_case`` words a person can accept as they are."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from convosift.themes.vocabulary import MAX_SIGNATURE_LENGTH

SIGNATURE_STEM = 7
"""Words that agree on their first seven letters are one word in a signature ("activate",
"activation"); so are a word and its extension ("card", "cards")."""


def _same_word(one: str, other: str) -> bool:
    return one.startswith(other) or other.startswith(one) or one[:SIGNATURE_STEM] == other[:SIGNATURE_STEM]


def signature_from_title(title: str, phrases: Sequence[str], taken: set[str]) -> str:
    """The signature a person accepts, read as the title they saw ("Charged twice" →
    ``charged_twice``, "How do I reset my password" → ``reset_password``), from the key phrases
    when the title has no word to spell it (another script)."""
    words = [word for word in _ascii_words(title) if len(word) > 1 and word not in _TITLE_FILLER]
    return suggested_signature([" ".join(words)] if words else phrases, taken)


_FILLER_TEXT = (
    "i me my we our you your it this that the a an to of for in on at with and or please do does did how"
)
_TITLE_FILLER = frozenset(
    f"{_FILLER_TEXT} what why when where can could would should will is are am was were be".split()
)


def _ascii_words(text: str) -> list[str]:
    """Lower-case words of ``text`` in ASCII, accents folded ("Café" → "cafe")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", folded)


def suggested_signature(phrases: Sequence[str], taken: set[str]) -> str:
    """A theme signature from a proposal's key phrases: their first three distinct words (one per
    stem), joined by ``_``, numbered when ``taken`` holds it already."""
    words: list[str] = []
    for phrase in phrases:
        for word in _ascii_words(phrase):
            if not any(_same_word(word, other) for other in words):
                words.append(word)
        if len(words) >= 3:
            break
    base = "_".join(words[:3]) or "new_theme"
    if not base[0].isalpha():
        base = f"theme_{base}"
    base = base[: MAX_SIGNATURE_LENGTH - 4].strip("_")
    signature, suffix = base, 2
    while signature in taken:
        signature, suffix = f"{base}_{suffix}", suffix + 1
    return signature
