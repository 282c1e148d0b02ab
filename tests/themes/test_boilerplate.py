"""Boilerplate lines: what many conversations repeat below requests about anything."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from themes_seeding import DAY, START, Seed, seed

from convosift.classify.evaluate import read_labelled_csv
from convosift.ml import embed
from convosift.store import Store
from convosift.themes.boilerplate import candidate_lines, without_shared_lines
from convosift.themes.discovery import cluster_texts, discover, join_proposals
from shared_data import BANKING77

SIGNATURE = "Head of Facilities, Quarry Lane Bakery Ltd"
EDITOR_FAILURES = [
    "The editor freezes when I paste an image.",
    "Pasting a picture into the editor hangs the page.",
    "Editor stops responding after I drop a screenshot in.",
    "The text editor locks up whenever an image is pasted.",
    "Images pasted in the editor make it freeze.",
    "Editor crashes when I insert a photo.",
    "Dropping a PNG into the editor and the whole tab hangs.",
    "Inserting an image makes the editor unresponsive.",
    "The page editor dies as soon as I add a picture.",
    "Editor goes blank when I paste a screenshot from my clipboard.",
    "Any image upload in the editor freezes the browser tab.",
    "I paste a photo in the editor and nothing responds anymore.",
]

pytestmark = pytest.mark.skipif(not BANKING77.exists(), reason="BANKING77 is not beside the repository")


def _requests(intents: int, per_intent: int) -> list[tuple[str, str]]:
    data = read_labelled_csv(BANKING77)
    chosen = sorted(set(data.labels))[:intents]
    counts: Counter[str] = Counter()
    rows = []
    for text, label in zip(data.texts, data.labels, strict=True):
        if label in chosen and counts[label] < per_intent:
            counts[label] += 1
            rows.append((text, label))
    return rows


def test_a_signature_under_requests_about_anything_is_left_out_and_the_requests_stay() -> None:
    rows = _requests(12, 10)
    texts = [f"{text}\n{SIGNATURE}" if i % 3 == 0 else text for i, (text, _) in enumerate(rows)]
    cleaned = without_shared_lines(texts, embed)
    assert [t for t in cleaned if SIGNATURE in t] == []
    assert [c.split("\n")[0] for c in cleaned] == [text for text, _ in rows]


def test_a_line_that_recurs_with_one_topic_stays() -> None:
    """ "Tried in Safari too" below one kind of failure says something about that failure."""
    failures = EDITOR_FAILURES
    others = [text for text, _ in _requests(12, 10)]
    texts = [f"{text}\nTried in Safari too" for text in failures] + others
    assert "tried in safari too" in candidate_lines(texts)
    assert without_shared_lines(texts, embed) == texts


def test_a_line_most_of_a_small_pool_holds_cannot_be_compared_and_stays() -> None:
    failures = EDITOR_FAILURES
    texts = [f"{text}\nTried in Safari too" for text in failures] + ["How do I export my invoices?"]
    assert "tried in safari too" in candidate_lines(texts)
    assert without_shared_lines(texts, embed) == texts


def test_openers_rare_lines_and_whole_texts_are_never_boilerplate() -> None:
    rows = [text for text, _ in _requests(12, 10)]
    random.Random(3).shuffle(rows)  # each slice below holds requests of many intents
    opener = [f"I have a question about my account\n{text}" for text in rows[:30]]
    rare = [f"{text}\n{SIGNATURE}" for text in rows[30:34]]
    retired = [f"{text}\nRetired, so no rush!" for text in rows[34:60]] + ["Retired, so no rush!"]
    texts = opener + rare + retired + rows[60:]
    cleaned = without_shared_lines(texts, embed)
    assert cleaned[:34] == texts[:34]  # the opening line, a line of four texts
    assert cleaned[34:60] == rows[34:60]
    assert cleaned[60] == "Retired, so no rush!"  # nothing else to keep: it stays


def test_a_second_request_many_customers_add_word_for_word_is_left_out() -> None:
    """ "Could I get a confirmation email?" under requests about anything drew them into proposals
    named after it ("Get confirmation email (currency)")."""
    rows = [text for text, _ in _requests(12, 10)]
    random.Random(3).shuffle(rows)
    follow_up = "Could I get a confirmation email?"
    texts = [f"{text}\n{follow_up}" if i % 4 == 0 else text for i, text in enumerate(rows)]
    assert "could i get a confirmation email" in candidate_lines(texts)
    assert without_shared_lines(texts, embed) == rows


def test_proposals_follow_the_requests_not_a_signature_a_third_of_them_share() -> None:
    rows = _requests(8, 30)
    texts = [
        f"Hello,\n{text}\nKind regards,\nMaria Lopez\nHead of People, Lumen Bakery Co.\nI work part-time: Mon-Wed"
        if i % 3 == 0
        else text
        for i, (text, _) in enumerate(rows)
    ]
    clusters = cluster_texts(texts)
    words = " ".join(p for c in clusters for p in [c.title, *c.key_phrases]).lower()
    assert "bakery" not in words and "part time" not in words, words
    covered = [i for c in clusters for i in c.members]
    majority = sum(Counter(rows[i][1] for i in c.members).most_common(1)[0][1] for c in clusters)
    assert len(covered) >= 0.6 * len(rows) and majority / len(covered) >= 0.8


SIGNED = "{}\nHead of People, Lumen Bakery Co.\nRetired, so no rush!"


@pytest.mark.parametrize("signed", [False, True])
def test_a_signed_request_after_a_sync_joins_its_proposal_as_an_unsigned_one_does(
    store: Store, signed: bool
) -> None:
    """Proposals are found without the boilerplate lines, so a newcomer is read without them too."""
    rows = _requests(8, 40)
    first, later = rows[::4] + rows[1::4] + rows[2::4], rows[3::4]
    texts = [SIGNED.format(text) if i % 3 == 0 else text for i, (text, _) in enumerate(first)]
    seed(
        store, [Seed(f"a{i}", START + i * DAY, text, None, "how_to_question") for i, text in enumerate(texts)]
    )
    assert discover(store)
    newcomers = [SIGNED.format(text) if signed else text for text, _ in later]
    seed(
        store,
        [Seed(f"n{i}", START + (400 + i) * DAY, t, None, "how_to_question") for i, t in enumerate(newcomers)],
    )
    joined = sum(join_proposals(store).values())
    assert joined >= 0.4 * len(newcomers), joined  # 37 of 80, signed or not
