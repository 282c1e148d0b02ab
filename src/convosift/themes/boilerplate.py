"""Lines that many conversations repeat below requests about anything: left out of discovery.

What the rules of :mod:`convosift.replies` and :func:`~convosift.themes.request.customer_request`
leave of a mail is mostly the writer's own: a signature line with a role or a company ("Head of
People, Lumen Bakery Co."), a personal note ("I work part-time: Mon-Wed"), a company's footer.
Such a line comes back word for word in every conversation its writer or company sends, and
conversations that share it are drawn together and named after it.

A line is such boilerplate when all of these hold:

- at least :data:`MIN_TEXTS` texts hold it, and :data:`MIN_SHARE` of them in a large pool;
- fewer than :data:`OPENS_AT_MOST` of those texts open with it (a request opens the customer's
  words, and is at times all of them); a question is judged like any other line (a second request
  many customers add word for word, "Could I get a confirmation email?", draws conversations about
  anything together);
- what those texts say besides it is as varied as the other texts of the pool: the mean of
  their sentence vectors is no more than :data:`TOPICAL_RATIO` times as long as that of as many
  texts without the line, drawn at random (a line most of the pool holds cannot be compared and
  stays). A line that recurs with one topic ("Tried in Safari too" below failures of the
  editor) is part of that topic's requests and stays.

Boilerplate is left out of the texts discovery clusters and names; a text it would leave empty
keeps it. The stored text is not changed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from convosift.themes.request import customer_request, scrubbed
from convosift.themes.text import Embedder

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MIN_TEXTS = 10
"""A line held by fewer texts is never boilerplate: one customer's few conversations stay whole.
Below ten, the spread of what the texts say besides the line is too noisy to tell a topic from
boilerplate (of lines that belong to one BANKING77 intent, about 4 % of those held by five texts
fell under :data:`TOPICAL_RATIO`, none of those held by ten)."""
MIN_SHARE = 0.002
"""In a large pool a line must also be held by this share of the texts (20 of 10,000)."""
OPENS_AT_MOST = 0.5
"""Share of a line's texts that may open with it (or hold nothing else) for it to be boilerplate."""
TOPICAL_RATIO = 1.15
"""How much more alike than random texts a line's texts may be, besides it, for it to be
boilerplate. Signature lines and footers left in mails built from BANKING77 queries gave 0.92 to
1.03; recurring lines of two generated demo inboxes, which belong to a topic or a customer, 1.25
to 4.26 (docs/accuracy.md)."""
_DRAWS = 5

_PUNCT = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def _key(line: str) -> str:
    return _SPACES.sub(" ", _PUNCT.sub(" ", line.lower())).strip()


def candidate_lines(texts: Sequence[str]) -> dict[str, list[int]]:
    """Lines (normalised: lower case, no punctuation) that recur like boilerplate, with the
    indexes of the texts that hold them; the lines of a text are separated by newlines."""
    held: dict[str, list[int]] = {}
    opening: Counter[str] = Counter()
    for index, text in enumerate(texts):
        lines = [line for line in text.split("\n") if _key(line)]
        if not lines:
            continue
        keys = [_key(line) for line in lines]
        for key in dict.fromkeys(keys):
            held.setdefault(key, []).append(index)
        opening[keys[0]] += 1  # a text of one line opens with it too
    needed = max(MIN_TEXTS, MIN_SHARE * len(texts))
    return {
        key: holders
        for key, holders in held.items()
        if len(holders) >= needed and opening[key] < OPENS_AT_MOST * len(holders)
    }


def requests_of(texts: Sequence[str], embed: Embedder) -> list[str]:
    """Each text's request, a sentence a line (:func:`customer_request`, or the text
    :func:`scrubbed` when nothing is left), without the pool's boilerplate lines."""
    return without_shared_lines(
        [customer_request(text, lines=True) or scrubbed(text) for text in texts], embed
    )


def without_shared_lines(texts: Sequence[str], embed: Embedder) -> list[str]:
    """``texts`` (lines separated by newlines) without their boilerplate lines; a text that would
    be left empty stays as it is."""
    import numpy as np

    candidates = candidate_lines(texts)
    if not candidates:
        return list(texts)
    rest = _without(texts, set(candidates))
    vectors = np.asarray(embed(rest), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    shared = {key for key, holders in candidates.items() if _varied(vectors, holders, key)}
    return _without(texts, shared) if shared else list(texts)


def _varied(vectors: NDArray[np.float32], holders: list[int], key: str) -> bool:
    """Whether the texts ``holders`` say things as varied as as many texts without the line; a
    line most of the pool holds cannot be compared so, and stays."""
    held = set(holders)
    others = [i for i in range(len(vectors)) if i not in held]
    if len(others) < len(holders):
        return False
    draw = random.Random(key)  # one draw per line: its verdict does not depend on the other lines
    return _spread(vectors[holders]) <= TOPICAL_RATIO * _random_spread(vectors[others], len(holders), draw)


def _without(texts: Sequence[str], keys: set[str]) -> list[str]:
    result = []
    for text in texts:
        kept = [line for line in text.split("\n") if _key(line) not in keys]
        result.append("\n".join(kept) if any(_key(line) for line in kept) else text)
    return result


def _spread(vectors: NDArray[np.float32]) -> float:
    """Length of the mean of unit vectors: 1 when they are all the same, small when varied."""
    import numpy as np

    return float(np.linalg.norm(vectors.mean(axis=0)))


def _random_spread(vectors: NDArray[np.float32], size: int, draw: random.Random) -> float:
    """:func:`_spread` of ``size`` vectors drawn at random from ``vectors``, averaged."""
    rows = range(len(vectors))
    return sum(_spread(vectors[draw.sample(rows, size)]) for _ in range(_DRAWS)) / _DRAWS
