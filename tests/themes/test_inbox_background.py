"""A small vocabulary is told apart from the other topics of its own inbox, not only from other
businesses: the proposals that did not become themes join the gate's background."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from pathlib import Path

import pytest

from convosift.config import load_settings
from convosift.ml.embeddings import EMBEDDING_MODEL
from convosift.ml.engine import ENGINE_VERSION
from convosift.ml.framing import FRAMING_VERSION
from convosift.store import Store
from convosift.store.proposals import DISMISSED, ClusterContent, close_proposal, insert_proposal, mark_gone
from convosift.store.schema import NAME_LENGTH
from convosift.themes import matching
from convosift.themes.domain import background_texts, gate_version, inbox_background
from convosift.themes.matching import LocalThemeMatcher
from convosift.themes.opposites import OPPOSITES_VERSION
from convosift.themes.vocabulary import Theme, Vocabulary
from shared_data import BANKING77

SHOTS = 8
NOW = 1_750_000_000.0


def _propose(store: Store, proposal_id: str, quotes: list[str], status: str | None = None) -> None:
    content = ClusterContent(
        key_phrases=[],
        members=[["files", f"{proposal_id}-{i}"] for i in range(len(quotes))],
        evidence=[
            {"source": "files", "conversation_id": f"{proposal_id}-{i}", "quote": quote}
            for i, quote in enumerate(quotes)
        ],
        centroid=[],
    )
    with store.write() as conn:
        insert_proposal(conn, proposal_id, content, signature=proposal_id, title=proposal_id, now=NOW)
        if status == "gone":
            mark_gone(conn, [proposal_id], NOW)
        elif status is not None:
            close_proposal(conn, proposal_id, status, proposal_id if status == "accepted" else None, NOW)


@pytest.fixture
def store(sqlite_url: str) -> Store:
    import convosift.store.themes_schema  # noqa: F401

    return Store(sqlite_url)


VOCABULARY = Vocabulary(
    themes=(
        Theme(
            signature="refund_missing",
            title="Refund missing",
            examples=("My refund has not arrived yet.", "Where is the refund you promised me?"),
        ),
    )
)


def test_open_and_dismissed_proposals_join_the_background_accepted_and_gone_do_not(store: Store) -> None:
    assert inbox_background(store, VOCABULARY) is None  # no proposal: the shipped background alone
    _propose(
        store, "p_open", ["How do I change the address on my account?", "My refund has not arrived yet."]
    )
    _propose(store, "p_dismissed", ["Can I order a second card for my partner?"], DISMISSED)
    _propose(store, "p_accepted", ["Why was I charged a fee for a transfer?"], "accepted")
    _propose(store, "p_gone", ["The app logs me out every few minutes."], "gone")

    background = inbox_background(store, VOCABULARY)

    assert background is not None
    shipped = background_texts()
    assert background[: len(shipped)] == shipped
    added = background[len(shipped) :]
    # A quote that repeats a theme's own example is not taught as "elsewhere".
    assert added == (
        "How do I change the address on my account?",
        "Can I order a second card for my partner?",
    )
    assert inbox_background(store, Vocabulary(themes=())) is None


def test_the_matcher_names_the_background_it_was_contrasted_with(store: Store, tmp_path: Path) -> None:
    settings = load_settings(cache_dir=tmp_path)
    plain = LocalThemeMatcher(VOCABULARY, settings)
    _propose(store, "p_open", ["How do I change the address on my account?"])
    contrasted = LocalThemeMatcher(VOCABULARY, settings, background=inbox_background(store, VOCABULARY))
    assert plain.name == (
        f"local-themes:{VOCABULARY.content_hash}/local-v{ENGINE_VERSION}+{EMBEDDING_MODEL}"
        f"/framing-{FRAMING_VERSION}/gate-{gate_version()}/opposites-{OPPOSITES_VERSION}"
    )
    assert contrasted.name.startswith(plain.name + "/background-") and contrasted.name != plain.name
    assert len(contrasted.name) <= NAME_LENGTH


def test_matches_of_another_engine_carry_another_matcher_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(cache_dir=tmp_path)
    current = LocalThemeMatcher(VOCABULARY, settings).name
    monkeypatch.setattr(matching, "ENGINE_VERSION", "0")
    assert LocalThemeMatcher(VOCABULARY, settings).name != current


@pytest.mark.skipif(not BANKING77.exists(), reason="BANKING77 is not beside the repository")
def test_a_few_accepted_themes_stop_capturing_the_inboxs_other_topics(store: Store, tmp_path: Path) -> None:
    """Five themes of a bank's inbox, eight examples each (what a user has right after accepting
    proposals), against twenty other topics of the same inbox still open as proposals."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_intent[row["category"]].append(row["text"])
    rng = random.Random(100)
    intents = sorted(by_intent)
    themes, others = rng.sample(intents, 5), []
    for intent in intents:
        rng.shuffle(by_intent[intent])
    others = rng.sample([i for i in intents if i not in themes], 20)
    vocabulary = Vocabulary(
        themes=tuple(
            Theme(
                signature=intent.lower(),
                title=intent.replace("_", " "),
                examples=tuple(by_intent[intent][:SHOTS]),
            )
            for intent in themes
        )
    )
    for intent in others:
        _propose(store, f"p_{intent.lower()}", by_intent[intent][:SHOTS])
    own = [(text, intent.lower()) for intent in themes for text in by_intent[intent][SHOTS:]]
    other_topics = [text for intent in others for text in by_intent[intent][SHOTS:]]
    settings = load_settings(cache_dir=tmp_path)

    def rates(matcher: LocalThemeMatcher) -> tuple[float, float]:
        found = matcher.match_texts([text for text, _ in own])
        recall = sum(m.signature == gold for m, (_, gold) in zip(found, own, strict=True)) / len(own)
        captured = sum(m.signature is not None for m in matcher.match_texts(other_topics)) / len(other_topics)
        return recall, captured

    shipped_recall, shipped_captured = rates(LocalThemeMatcher(vocabulary, settings))
    inbox_recall, inbox_captured = rates(
        LocalThemeMatcher(vocabulary, settings, background=inbox_background(store, vocabulary))
    )
    assert shipped_captured >= 0.05, shipped_captured  # the shipped background alone lets them in
    assert inbox_captured <= shipped_captured / 2, (inbox_captured, shipped_captured)
    assert inbox_recall >= shipped_recall - 0.1, (inbox_recall, shipped_recall)


def test_runs_and_rematch_contrast_the_vocabulary_with_the_open_proposals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import sqlalchemy as sa

    import services as service
    from convosift.domain import Window
    from convosift.themes import rematch as rematch_module
    from convosift.themes.rematch import rematch
    from convosift.themes.vocabulary import save_vocabulary

    vocabulary_file = tmp_path / "vocabulary.yaml"
    save_vocabulary(VOCABULARY, vocabulary_file)
    inbox = tmp_path / "inbox.jsonl"
    texts = ["My refund has still not arrived, it has been two weeks.", "How do I change my address?"]
    with inbox.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            message = {"id": f"m{i}", "part_type": "comment", "author_type": "user", "body": text}
            stamp = 1_750_000_000 + i
            record = {"id": f"c{i}", "created_at": stamp, "updated_at": stamp, "messages": [message]}
            out.write(json.dumps(record) + "\n")
    config = load_settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        source="files",
        source_path=inbox,
        vocabulary_path=vocabulary_file,
        cache_dir=tmp_path / "cache",
    )
    store = service.open_store(config)
    _propose(
        store, "p_address", ["How do I change the address on my account?", "I moved, new address please"]
    )

    record = service.start_run(config, window=Window(since=0, until=2**31))

    assert record.status.value == "completed", record.error
    assert record.counts.classified == len(texts), record.counts
    expected = LocalThemeMatcher(VOCABULARY, config, background=inbox_background(store, VOCABULARY)).name
    assert "/background-" in expected
    with store.read() as conn:
        matchers = set(conn.execute(sa.text("SELECT DISTINCT matcher FROM theme_matches")).scalars())
    assert matchers == {expected}
    # `themes rematch` contrasts the vocabulary with the same proposals.
    built: list[object] = []

    def matcher(vocabulary: Vocabulary, settings: object, background: object = None) -> LocalThemeMatcher:
        built.append(background)
        return LocalThemeMatcher(vocabulary, config, background=background)  # type: ignore[arg-type]

    monkeypatch.setattr(rematch_module, "LocalThemeMatcher", matcher)
    assert rematch(store, config, VOCABULARY).examined == 1  # the address change stays unmatched
    assert built == [inbox_background(store, VOCABULARY)]


def test_quotes_come_from_the_biggest_proposals_first_and_are_capped(store: Store) -> None:
    from convosift.store.proposals import PROPOSED, proposal_quotes

    _propose(store, "p_small", [f"small topic question {i}" for i in range(3)])
    _propose(store, "p_big", [f"big topic question {i}" for i in range(10)])
    with store.read() as conn:
        quotes = proposal_quotes(conn, (PROPOSED,), per_proposal=8, limit=10)
        every = proposal_quotes(conn, (PROPOSED,), per_proposal=8, limit=100)
    assert quotes == [f"big topic question {i}" for i in range(8)] + [
        "small topic question 0",
        "small topic question 1",
    ]
    assert len(every) == 11


def test_loading_the_models_opens_the_store_only_for_a_vocabulary(tmp_path: Path) -> None:
    from convosift.analysis.factory import load_models
    from convosift.themes.vocabulary import save_vocabulary

    opened: list[str] = []

    def never() -> Store:
        opened.append("store")
        raise AssertionError("the store was opened without a vocabulary to contrast")

    load_models(load_settings(), never)
    assert opened == []
    vocabulary_file = tmp_path / "vocabulary.yaml"
    save_vocabulary(VOCABULARY, vocabulary_file)
    stores: list[Store] = []

    def store_once() -> Store:
        stores.append(Store(f"sqlite:///{tmp_path / 'db.sqlite'}"))
        return stores[-1]

    load_models(load_settings(vocabulary_path=vocabulary_file), store_once)
    assert len(stores) == 1
    stores[0].dispose()


def test_the_contrast_with_proposals_can_be_turned_off(store: Store, tmp_path: Path) -> None:
    from convosift.analysis.local import build_local_analyzer
    from convosift.themes.vocabulary import save_vocabulary

    vocabulary_file = tmp_path / "vocabulary.yaml"
    save_vocabulary(VOCABULARY, vocabulary_file)
    _propose(store, "p_open", ["How do I change the address on my account?"])
    on = build_local_analyzer(load_settings(vocabulary_path=vocabulary_file), store)
    off = build_local_analyzer(
        load_settings(vocabulary_path=vocabulary_file, themes_contrast_proposals=False), store
    )
    assert "/background-" in on.name and "/background-" not in off.name
