"""Requests for opposite actions do not share a proposal.

Sentence vectors of short requests barely tell "add my son to my plan" from "remove my son from my
plan": the words around the verb are the same, and static word vectors put antonyms side by side.
A cluster then mixes the two requests, the proposal is titled after one of them, and accepting it
themes the other as the first. A cluster whose requests fall into two big groups of opposite
action words (add / remove, activate / deactivate, lock / unlock, increase / decrease, enrol /
cancel) is split into those groups; a request with neither word joins the group whose centre is
closest to it, so no request leaves the cluster's proposals.

Matching uses two of the pairs the other way (:func:`leaning`, :func:`opposed`): a theme whose
texts all ask to add, remove, enrol or cancel ("cancel my plan") does not take a request for the
other side ("I want to enrol in a plan"), however close their vectors are. The other pairs name
states as often as actions: a theme of blocked cards ("Why did you freeze my card?") is where
"Please unfreeze my card" belongs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(first.split()), frozenset(second.split()))
    for first, second in (
        (
            "add adding added include including",
            "remove removing removed delete deleting deleted drop dropping",
        ),
        (
            "activate activating activation enable enabling",
            "deactivate deactivating deactivation disable disabling",
        ),
        (
            "lock locking freeze freezing block blocking",
            "unlock unlocking unfreeze unfreezing unblock unblocking",
        ),
        ("increase increasing raise raising", "decrease decreasing lower lowering reduce reducing"),
        (
            "enrol enroll enrolling enrollment enrolment subscribe subscribing signup",
            "cancel cancelling canceling cancellation unsubscribe unsubscribing terminate",
        ),
    )
)
"""Pairs of sets of action words; a request holding words of one set and none of the other is on
that side."""
OPPOSITES_VERSION = 2
"""Recorded in the theme matcher's name: the pairs decide which matches stand."""
MIN_SHARE = 0.2
"""Each side must hold this share of the cluster's requests (and at least the smallest cluster
size) for the cluster to be split: a stray "remove" in a cluster about adding splits nothing."""
_WORD = re.compile(r"[a-z]+")


def split_opposites(
    texts: Sequence[str], labels: NDArray[np.int64], vectors: NDArray[np.float32], min_cluster_size: int
) -> NDArray[np.int64]:
    """``labels`` with each cluster of two big groups of opposite requests split in two; the
    bigger group keeps the label. Texts labelled -1 (left out) stay so."""
    import numpy as np

    result = np.asarray(labels, dtype=np.int64).copy()
    if not len(result):
        return result
    words = [set(_WORD.findall(text.lower())) | _phrases(text) for text in texts]
    next_label = int(result.max()) + 1
    for label in np.unique(labels):
        if label < 0:
            continue
        members = np.flatnonzero(labels == label)
        least = max(min_cluster_size, int(np.ceil(MIN_SHARE * len(members))))
        if len(members) < 2 * least:
            continue
        for first, second in OPPOSITES:
            side = np.array(
                [_side(words[i], first, second) for i in members], dtype=np.int64
            )  # 1, 2 or 0 (neither or both)
            if (side == 1).sum() < least or (side == 2).sum() < least:
                continue
            centres = np.stack([vectors[members[side == s]].mean(axis=0) for s in (1, 2)])
            centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-9)
            nearest = 1 + np.argmax(vectors[members] @ centres.T, axis=1)
            chosen = np.where(side > 0, side, nearest)
            bigger = 1 if (chosen == 1).sum() >= (chosen == 2).sum() else 2
            result[members[chosen != bigger]] = next_label
            next_label += 1
            break
    return result


def _side(words: set[str], first: frozenset[str], second: frozenset[str]) -> int:
    on_first, on_second = bool(words & first), bool(words & second)
    return 1 if on_first and not on_second else 2 if on_second and not on_first else 0


def _phrases(text: str) -> set[str]:
    """Two-word actions read as their one-word forms ("sign up" as "signup", "take off" as "remove")."""
    lowered = f" {' '.join(_WORD.findall(text.lower()))} "
    found = set()
    if " sign up " in lowered or " signing up " in lowered:
        found.add("signup")
    if " take off " in lowered or " taking off " in lowered or " take them off " in lowered:
        found.add("remove")
    return found


LEANING_MIN_TEXTS = 2
"""A theme leans to one side of a pair when at least this many of its texts are on that side..."""
LEANING_SHARE = 0.8
"""...and this share of its texts with a side are on it."""


def sides(text: str) -> tuple[int, ...]:
    """The side of ``text`` on each pair of :data:`OPPOSITES`: 1, 2, or 0 (neither or both)."""
    words = set(_WORD.findall(text.lower())) | _phrases(text)
    return tuple(_side(words, first, second) for first, second in OPPOSITES)


def leaning(texts: Sequence[str]) -> tuple[int, ...]:
    """The side a theme's ``texts`` take on each pair: 1 or 2 when they clearly ask for one side
    (see :data:`LEANING_MIN_TEXTS`, :data:`LEANING_SHARE`), else 0."""
    counts = [[0, 0, 0] for _ in OPPOSITES]
    for text in texts:
        for pair, side in enumerate(sides(text)):
            counts[pair][side] += 1
    result = []
    for _, first, second in counts:
        on_side = 1 if first >= second else 2
        most = max(first, second)
        result.append(
            on_side if most >= LEANING_MIN_TEXTS and most >= LEANING_SHARE * (first + second) else 0
        )
    return tuple(result)


MATCHED_PAIRS = tuple("add" in first or "enrol" in first for first, _ in OPPOSITES)
"""The pairs matching reads: add / remove and enrol / cancel, which are asked for rather than
described."""


def opposed(text_sides: Sequence[int], theme_leaning: Sequence[int]) -> bool:
    """Whether a text asks for the opposite of what a theme leans to, on a pair of
    :data:`MATCHED_PAIRS`."""
    return any(
        used and text and theme and text != theme
        for used, text, theme in zip(MATCHED_PAIRS, text_sides, theme_leaning, strict=True)
    )
