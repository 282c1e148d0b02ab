"""Sentence splitting and evidence selection shared by matching and discovery."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from convosift.ml.framing import is_framing

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Embedder = Callable[[Sequence[str]], "NDArray[np.float32]"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MIN_WORDS = 3
_PUNCTUATION = re.compile(r"[^\w\s]+")
MAX_QUOTE_CHARS = 300
MAX_TEXT_CHARS = 2000
"""Only the start of a conversation is matched or clustered: the issue is stated early, and long
threads add noise and time."""


def sentences(text: str) -> list[str]:
    """Candidate evidence sentences: split on sentence ends and line breaks, drop fragments and
    framing ("Yes, policy number POL-5904910.", "Ok, thank you for the quick reply.")."""
    parts = [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]
    useful = [part for part in parts if len(part.split()) >= _MIN_WORDS and not is_framing(part)]
    return [clip(part) for part in (useful or parts[:1])]


def quote_key(text: str) -> str:
    """What makes two quotes the same quote: their words, whatever the case and punctuation
    ("I want to pay my bill" and "i want to pay my bill."). Customers often write the same words;
    a repeated quote shows a reader, or teaches the matcher, nothing new."""
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def distinct_quotes(quotes: Iterable[str | None], limit: int | None = None) -> list[str]:
    """``quotes`` in order, each once (:func:`quote_key`) and none empty, at most ``limit``."""
    kept: dict[str, str] = {}
    for quote in quotes:
        if limit is not None and len(kept) >= limit:
            break
        key = quote_key(quote or "")
        if key:
            kept.setdefault(key, quote or "")
    return list(kept.values())


VARIED_FROM = 200
"""The best-scored distinct quotes of a theme among which :func:`varied_order` looks for variety."""
_MARKER_SHARE = (0.05, 0.6)
"""A word in this share of a theme's quotes may mark a kind of request within it ("condo" and
"auto" among requests for a quote); rarer words are incidental, commoner ones say what they share."""
_MARKER_LIFT = 10.0
"""...if it is this many times commoner in the theme's quotes than in the other themes' quotes:
"want" and "please" are everywhere."""
_WORD = re.compile(r"[a-z][a-z'-]{2,}")


def word_counts(quotes: Iterable[str]) -> Counter[str]:
    """For each word, how many of ``quotes`` hold it."""
    return Counter(word for quote in quotes for word in set(_WORD.findall(quote.casefold())))


def varied_order(quotes: Sequence[str], everywhere: Counter[str], total: int) -> list[int]:
    """Indexes of ``quotes`` (one theme's, distinct, best first) in the order to show them: the
    best first, then each next one that brings a kind of request not shown yet, then the rest,
    each group best first. A kind is marked by a word in :data:`_MARKER_SHARE` of the theme's
    quotes and :data:`_MARKER_LIFT` times commoner there than among the other themes' quotes
    (``everywhere``: :func:`word_counts` of all ``total`` quotes, this theme's included). A theme of
    requests for condo, auto and life insurance quotes then shows all three rather than its ten
    best condo quotes."""
    low, high = _MARKER_SHARE
    own = word_counts(quotes)
    other_quotes = max(1, total - len(quotes))
    markers = {
        word
        for word, count in own.items()
        if count >= 2
        and low <= count / len(quotes) <= high
        and count / len(quotes) >= _MARKER_LIFT * (everywhere[word] - count) / other_quotes
    }
    shown: set[str] = set()
    first: list[int] = []
    for index, quote in enumerate(quotes):
        marked = set(_WORD.findall(quote.casefold())) & markers
        if not first or marked - shown:
            first.append(index)
            shown |= marked
    chosen = set(first)
    return first + [index for index in range(len(quotes)) if index not in chosen]


def clip(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def best_sentences(
    texts: Sequence[str], targets: NDArray[np.float32], embed: Embedder
) -> list[tuple[str | None, float]]:
    """For each text, its sentence most similar to the matching row of ``targets`` (unit vectors).

    All sentences of the batch are embedded in one call; returns ``(sentence, cosine)`` pairs,
    ``(None, 0.0)`` for an empty text.
    """
    import numpy as np

    split = [sentences(text) for text in texts]
    flat = [sentence for group in split for sentence in group]
    if not flat:
        return [(None, 0.0) for _ in texts]
    vectors = np.asarray(embed(flat), dtype=np.float32)
    results: list[tuple[str | None, float]] = []
    start = 0
    for index, group in enumerate(split):
        if not group:
            results.append((None, 0.0))
            continue
        similarity = vectors[start : start + len(group)] @ targets[index]
        best = int(np.argmax(similarity))
        results.append((group[best], float(similarity[best])))
        start += len(group)
    return results
