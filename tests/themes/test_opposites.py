"""Requests for opposite actions do not share a proposal (themes/opposites.py)."""

from __future__ import annotations

import numpy as np

from convosift.themes.opposites import leaning, opposed, sides, split_opposites

ADD = [
    f"Please add my {who} to my plan" for who in ("son", "daughter", "wife", "husband", "partner", "mother")
]
REMOVE = [
    f"I want to remove my {who} from the policy" for who in ("son", "daughter", "wife", "husband", "partner")
]


def _vectors(sides: list[int]) -> np.ndarray:
    """Nearly the same vector for every text, leaning a little to its side (0: none)."""
    base = np.ones((len(sides), 4), dtype=np.float32)
    for row, side in enumerate(sides):
        if side:
            base[row, side] += 0.2
    return base / np.linalg.norm(base, axis=1, keepdims=True)


def test_a_cluster_of_adds_and_removes_is_split_and_a_request_of_neither_joins_the_closer_side() -> None:
    texts = [*ADD, *REMOVE, "my son needs to come off it", "Other topic entirely"]
    labels = np.array([0] * 12 + [-1])
    vectors = _vectors([1] * 6 + [2] * 5 + [2, 0])
    split = split_opposites(texts, labels, vectors, min_cluster_size=3)
    assert set(split[:6]) == {0}  # the bigger side keeps the label
    assert len(set(split[6:11])) == 1 and split[6] not in (0, -1)
    assert split[11] == split[6]  # no action word: closer to the removes
    assert split[12] == -1  # left out stays left out


def test_a_stray_opposite_or_a_small_cluster_splits_nothing() -> None:
    texts = [*ADD, "remove the old one and add the new one", REMOVE[0]]
    labels = np.zeros(len(texts), dtype=np.int64)
    split = split_opposites(texts, labels, _vectors([1] * 6 + [0, 2]), min_cluster_size=3)
    assert set(split) == {0}
    small = split_opposites(
        [*ADD[:3], *REMOVE[:3]], np.zeros(6, dtype=np.int64), _vectors([1] * 3 + [2] * 3), 5
    )
    assert set(small) == {0}


def test_two_word_actions_count() -> None:
    texts = [
        *(f"sign up my {who} for the gym" for who in ("son", "wife", "friend")),
        *(f"cancel the membership of my {who}" for who in ("son", "wife", "friend")),
    ]
    split = split_opposites(
        texts, np.zeros(6, dtype=np.int64), _vectors([1] * 3 + [2] * 3), min_cluster_size=3
    )
    assert len(set(split[:3])) == 1 and len(set(split[3:])) == 1 and split[0] != split[3]


def test_a_theme_leans_to_the_side_its_texts_ask_for_and_a_request_for_the_other_is_opposed() -> None:
    cancel = [
        "Cancel my plan",
        "please cancel the policy",
        "I want to cancel",
        "cancel it",
        "How do I sign up?",
    ]
    lean = leaning(cancel)
    assert lean[-1] == 2  # four of five texts cancel: the theme leans to cancelling
    assert leaning(cancel[2:])[-1] == 0  # two of three do not make a leaning
    assert opposed(sides("I want to enrol in a plan"), lean)
    assert opposed(sides("sign up my son"), lean)
    assert not opposed(sides("cancel it now"), lean)
    assert not opposed(sides("What does the plan cover?"), lean)  # no action word: no opinion
    assert not opposed(sides("cancel the old plan and enrol me in the new one"), lean)  # both sides
    # Two sides almost even, or a single text, make no leaning.
    assert leaning(["add my son", "remove my son"]) == (0, 0, 0, 0, 0)
    assert leaning(["add my son"]) == (0, 0, 0, 0, 0)
    assert leaning(["Add a user", "add a card", "add my wife", "remove a user"])[0] == 0


def test_a_theme_of_a_state_does_not_turn_away_the_request_to_undo_it() -> None:
    """A theme about blocked cards describes the state ("Why did you freeze my card?"); its
    customers ask for the opposite action ("Please unfreeze my card"). Only requests to add or
    remove, and to enrol or cancel, are turned away by the side a theme leans to."""
    blocked = ["Card frozen or blocked", "Why did you freeze my card?", "why would you block it"]
    assert leaning(blocked)[2] == 1  # the theme's texts are on the side of locking
    assert not opposed(sides("Please unfreeze my card"), leaning(blocked))
    assert not opposed(sides("How do I unblock my card?"), leaning(blocked))
    deactivated = ["My card was deactivated", "Why is my account disabled?", "account deactivated"]
    assert not opposed(sides("Please activate my account again"), leaning(deactivated))
    remove = ["Remove my son from the plan", "remove a driver", "please remove my wife"]
    assert opposed(sides("Add my son to the plan"), leaning(remove))
