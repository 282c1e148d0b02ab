"""The quotes a proposal shows: each member's sentence closest to its cluster, numbers as placeholders.

Discovery reads the cleaned request (:func:`convosift.themes.request.customer_request`), which has
no numbers, names or addresses; a sentence of it alone would read "I was charged $ for a
transaction". The quote shown is the same sentence of :func:`convosift.themes.request.shown_lines`:
the same words, :data:`~convosift.themes.request.NUMBER_SHOWN` where the customer wrote a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from convosift.themes.request import shown_lines
from convosift.themes.text import Embedder, best_sentences, sentences

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def member_quotes(
    groups: Sequence[Sequence[int]],
    centroids: npt.NDArray[np.float32],
    texts: Sequence[str],
    originals: Sequence[str],
    embed: Embedder,
) -> list[list[str | None]]:
    """For each group of indices, each member's sentence of its request (``texts``) closest to the
    group's unit centroid (a row of ``centroids``), shown from the member's text in ``originals``."""
    import numpy as np

    members = [i for group in groups for i in group]
    if not members:
        return [[] for _ in groups]
    targets = np.repeat(np.asarray(centroids, dtype=np.float32), [len(group) for group in groups], axis=0)
    picked = iter(best_sentences([texts[i] for i in members], targets, embed))
    return [[shown_quote(next(picked)[0], originals[i]) for i in group] for group in groups]


def shown_quote(quote: str | None, original: str) -> str | None:
    """``quote`` as :func:`~convosift.themes.request.shown_lines` shows its sentence: the same words,
    a placeholder where the customer wrote a number; ``quote`` itself when its sentence is not found
    (a text read whole because its request was empty)."""
    if quote is None:
        return None
    for line, shown in shown_lines(original):
        quoted, placed = sentences(line), sentences(shown)
        if quote in quoted and len(quoted) == len(placed):
            return placed[quoted.index(quote)]
    return quote
