"""Discovery: clusters of unmatched conversations become proposals with stable ids."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from themes_seeding import DAY, START, Seed, seed

from convosift.classify.evaluate import read_labelled_csv
from convosift.config import load_settings
from convosift.domain import Window
from convosift.ml import nearest
from convosift.pipeline.service import Service
from convosift.store import Store
from convosift.store.conversations import export_rows
from convosift.store.proposals import list_proposals as stored_proposals
from convosift.store.schema import theme_matches
from convosift.store.themes_schema import theme_proposals
from convosift.themes import discovery
from convosift.themes.curation import Curator
from convosift.themes.discovery import (
    MANIFOLD_MIN_TEXTS,
    SPLIT_FROM,
    _split_mixed,
    cluster_texts,
    discover,
    join_proposals,
)
from convosift.themes.keyphrases import key_phrases
from convosift.themes.proposals import list_proposals
from convosift.themes.signatures import signature_from_title, suggested_signature
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary
from shared_data import BANKING77, INSURANCE

DARK_MODE = [
    "Please add a dark mode to the dashboard, the white screen hurts at night.",
    "Any plans for a dark mode? Working late with this bright dashboard is tiring.",
    "Dark mode would be great, my eyes hurt from the bright white pages.",
    "Could you offer a dark theme for the admin? It's too bright in the evening.",
    "Is a dark mode coming? The bright interface is hard on the eyes at night.",
    "We would love a night mode or dark theme for the dashboard.",
]
RECEIPT_LANGUAGE = [
    "The receipts our buyers get are in English but our shop is in Italian, can receipts be translated?",
    "Customer receipts ignore the store language and always come in English.",
    "How do I change the language of the customer receipt emails? They are English only.",
    "Our German customers get receipts in English, the language setting is ignored.",
    "Receipt emails are sent in the wrong language for our Spanish shop.",
]
ODD_ONES = [
    "Do you sponsor local football clubs?",
    "I think someone from your sales team called me twice today.",
    "What is the meaning of the lighthouse in your logo?",
]


def _seed_unmatched(store: Store, texts: list[str], prefix: str, day: int = 0) -> None:
    rows = [
        Seed(f"{prefix}{i}", START + (day + i) * DAY, text, None, "feature_request")
        for i, text in enumerate(texts)
    ]
    seed(store, rows)


def test_clusters_become_proposals_with_phrases_and_quotes(store: Store) -> None:
    _seed_unmatched(store, DARK_MODE, "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    _seed_unmatched(store, ODD_ONES, "o")
    seed(store, [Seed("spam1", START, "Please add dark mode, buy cheap followers now", None, "spam")])
    proposals = discover(
        store, min_cluster_size=4, taken_signatures=set(load_vocabulary(demo_vocabulary_path()).signatures)
    )
    assert [p["size"] for p in proposals] == [6, 5]
    dark, receipts = proposals
    assert "dark" in " ".join(dark["key_phrases"]) and dark["signature"].startswith("dark")
    # The suggested signature reads as the title a person sees ("Dark mode" → dark_mode...).
    for proposal in proposals:
        title_words = re.findall(r"[a-z0-9]+", proposal["title"].lower())
        assert proposal["signature"].split("_") == title_words[: len(proposal["signature"].split("_"))]
    assert any("receipt" in phrase for phrase in receipts["key_phrases"])
    assert dark["quotes"] and all(q in DARK_MODE or any(q in t for t in DARK_MODE) for q in dark["quotes"])
    assert all(p["status"] == "proposed" and p["id"].startswith("p") for p in proposals)


def test_two_proposals_never_share_a_title(store: Store) -> None:
    """A namer (or the local titles) may name two clusters alike; the list must tell them apart."""
    _seed_unmatched(store, DARK_MODE, "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")

    def same_title(clusters: list[tuple[list[str], list[str]]]) -> list[tuple[str, str] | None]:
        return [("Display problem", f"display_problem_{i}") for i in range(len(clusters))]

    proposals = discover(store, min_cluster_size=4, namer=same_title)
    titles = [p["title"] for p in proposals]
    assert len(titles) == 2 and len(set(titles)) == 2, titles
    assert titles[0] == "Display problem" and titles[1].startswith("Display problem (")


def test_rediscovery_keeps_ids_and_retires_vanished_clusters(store: Store, vocabulary_file: Path) -> None:
    _seed_unmatched(store, DARK_MODE[:5], "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    first = {p["signature"]: p["id"] for p in discover(store, min_cluster_size=4)}
    _seed_unmatched(store, DARK_MODE[5:], "late-d", day=5)  # one more member of the dark-mode cluster
    second = discover(store, min_cluster_size=4)
    assert {p["signature"]: p["id"] for p in second} == first
    assert next(p for p in second if p["id"] == first[_dark(first)])["size"] == 6
    Curator(store, vocabulary_file).accept(first[_dark(first)], signature="dark_mode_request")
    with store.read() as conn:
        adopted = conn.execute(
            sa.select(sa.func.count()).where(theme_matches.c.signature == "dark_mode_request")
        ).scalar_one()
    assert adopted == 6
    third = discover(store, min_cluster_size=4)
    assert [p["id"] for p in third] == [first[_receipt(first)]]
    statuses = {p["id"]: p["status"] for p in list_proposals(store, status=None)}
    assert statuses[first[_dark(first)]] == "accepted"


def test_a_dismissed_cluster_is_not_proposed_again(store: Store, vocabulary_file: Path) -> None:
    _seed_unmatched(store, DARK_MODE[:5], "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    first = {p["signature"]: p["id"] for p in discover(store, min_cluster_size=4)}
    Curator(store, vocabulary_file).dismiss(first[_dark(first)])
    _seed_unmatched(store, DARK_MODE[5:], "late-d", day=5)
    again = discover(store, min_cluster_size=4)
    assert [p["id"] for p in again] == [first[_receipt(first)]]
    statuses = {p["id"]: p["status"] for p in list_proposals(store, status=None)}
    assert statuses == {first[_dark(first)]: "dismissed", first[_receipt(first)]: "proposed"}


def test_the_export_names_each_conversation_s_open_proposal(store: Store) -> None:
    _seed_unmatched(store, DARK_MODE, "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    _seed_unmatched(store, ODD_ONES, "o")
    proposals = discover(store, min_cluster_size=4)
    with store.read() as conn:
        rows = {row["id"]: row for row in export_rows(conn)}
    dark = next(p["id"] for p in proposals if p["size"] == len(DARK_MODE))
    assert all(rows[f"d{i}"]["proposal"] == dark for i in range(len(DARK_MODE)))
    assert rows["o0"]["proposal"] is None and rows["o0"]["theme"] is None
    assert rows["r0"]["proposal"] not in (None, dark)


def test_after_a_sync_new_conversations_join_their_proposal_without_reclustering(store: Store) -> None:
    _seed_unmatched(store, DARK_MODE, "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    before = {p["id"]: p for p in discover(store, min_cluster_size=4)}
    _seed_unmatched(
        store,
        ["Hi, my name is Ada. Please add a dark mode to the dashboard, the bright screen hurts at night."],
        "late",
        day=9,
    )
    _seed_unmatched(store, ODD_ONES, "o", day=10)
    dark = next(i for i, p in before.items() if p["size"] == len(DARK_MODE))
    assert join_proposals(store) == {dark: 1}
    after = {p["id"]: p for p in list_proposals(store)}
    assert set(after) == set(before)
    assert after[dark]["size"] == len(DARK_MODE) + 1
    assert after[dark]["title"] == before[dark]["title"]
    assert join_proposals(store) == {}
    assert list_proposals(store) == list(after.values())


def test_a_sync_that_themes_or_filters_a_member_takes_it_out_of_its_proposal(tmp_path: Path) -> None:
    """Updated conversations are fetched and analysed again: one that now has a theme, or is
    filtered out, no longer stands for what accepting its proposal would theme."""
    inbox = tmp_path / "inbox.jsonl"

    def write(texts: dict[str, tuple[str, int]]) -> None:
        rows = [
            {
                "id": cid,
                "created_at": START,
                "updated_at": updated,
                "opener": text,
                "url": f"https://app.example/{cid}",
            }
            for cid, (text, updated) in texts.items()
        ]
        inbox.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    texts = {f"d{i}": (text, START) for i, text in enumerate(DARK_MODE)}
    texts |= {f"r{i}": (text, START) for i, text in enumerate(RECEIPT_LANGUAGE)}
    write(texts)
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
        source="files",
        source_path=inbox,
        cache_dir=tmp_path / "models",
    )
    store = Store(settings.database_url)
    try:
        Service(settings, store).start_run(window=Window(since=0, until=2**31))
        proposals = {p["size"]: p for p in discover(store, min_cluster_size=4)}
        dark, receipts = proposals[len(DARK_MODE)], proposals[len(RECEIPT_LANGUAGE)]
        # A theme for the page d0 is written from, and d1 rewritten to a bare thank-you.
        vocabulary = tmp_path / "vocabulary.yaml"
        vocabulary.write_text(
            "version: 1\nthemes:\n  - signature: dark_mode\n    title: Dark mode\n"
            "    url_patterns: ['https://app.example/d0']\n    examples:\n"
            + "".join(f"      - {json.dumps(text)}\n" for text in DARK_MODE[:3]),
            encoding="utf-8",
        )
        texts["d0"] = (DARK_MODE[0], START + DAY)
        texts["d1"] = ("ok thanks", START + DAY)
        texts["d2"] = (RECEIPT_LANGUAGE[0], START + DAY)  # analysed again, and still no theme
        write(texts)
        themed = settings.model_copy(update={"vocabulary_path": vocabulary})
        Service(themed, store).start_run(window=Window(since=0, until=2**31))
        after = {p["id"]: p for p in list_proposals(store)}
        with store.read() as conn:
            stored = {p.id: p for p in stored_proposals(conn)}
            matched = dict(
                conn.execute(sa.select(theme_matches.c.conversation_id, theme_matches.c.signature)).all()
            )
    finally:
        store.dispose()
    assert matched["d0"] == "dark_mode" and matched["d2"] is None
    members = {conversation_id for _source, conversation_id in stored[dark["id"]].members}
    assert members == {"d2", "d3", "d4", "d5"} and after[dark["id"]]["size"] == 4
    assert DARK_MODE[0] not in after[dark["id"]]["quotes"]
    assert after[receipts["id"]] == receipts  # no member of it was analysed again


def test_discovery_twice_on_unchanged_data_changes_nothing(store: Store) -> None:
    _seed_unmatched(store, DARK_MODE, "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    _seed_unmatched(store, ODD_ONES, "o")
    first = discover(store, min_cluster_size=4)
    with store.read() as conn:
        stored_first = conn.execute(sa.select(theme_proposals).order_by(theme_proposals.c.id)).all()
    second = discover(store, min_cluster_size=4)
    with store.read() as conn:
        stored_second = conn.execute(sa.select(theme_proposals).order_by(theme_proposals.c.id)).all()
    assert first == second
    columns = [c for c in theme_proposals.c.keys() if c != "updated_at"]
    assert [[row._mapping[c] for c in columns] for row in stored_first] == [
        [row._mapping[c] for c in columns] for row in stored_second
    ]


def test_nothing_to_cluster(store: Store) -> None:
    _seed_unmatched(store, ODD_ONES, "o")
    assert discover(store, min_cluster_size=4) == []


def test_key_phrases_prefer_distinctive_terms() -> None:
    phrases = key_phrases([DARK_MODE, RECEIPT_LANGUAGE])
    assert phrases[0][0] in {"dark", "dark mode", "bright"}
    assert "receipts" in phrases[1] or "receipt" in " ".join(phrases[1])
    assert suggested_signature(["dark mode", "night"], {"dark_mode_night"}) == "dark_mode_night_2"
    assert suggested_signature([], set()) == "new_theme"
    # One word per stem: "activate_activating_activation" said one thing three times.
    assert (
        suggested_signature(["activate", "activating card", "activation code"], set()) == "activate_card_code"
    )
    assert (
        suggested_signature(["card", "cards", "transfer", "transaction"], set())
        == "card_transfer_transaction"
    )
    assert suggested_signature(["international", "internet"], set()) == "international_internet"
    assert len(suggested_signature(["1234567890" * 9], set())) <= 80


def test_a_signature_is_spelled_from_the_title_without_its_filler() -> None:
    assert signature_from_title("Charged twice", ["twice", "duplicate", "charged"], set()) == "charged_twice"
    assert signature_from_title("How do I reset my password", [], set()) == "reset_password"
    assert signature_from_title("Get quote (condo)", [], {"get_quote_condo"}) == "get_quote_condo_2"
    assert signature_from_title("Café refund", [], set()) == "cafe_refund"
    # A title with no word to spell (another script) gives the key phrases' words.
    assert signature_from_title("退款", ["refund money"], set()) == "refund_money"


def _dark(ids: dict[str, str]) -> str:
    return next(s for s in ids if "dark" in s)


def _receipt(ids: dict[str, str]) -> str:
    return next(s for s in ids if "dark" not in s)


@pytest.mark.skipif(not BANKING77.exists(), reason="BANKING77 is not beside the repository")
@pytest.mark.parametrize("neighbours", ["umap", "exact"])
def test_thousands_of_real_requests_are_clustered_whole_in_a_reduced_space(
    neighbours: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MANIFOLD_MIN_TEXTS every text takes part (no cap) and clusters follow the intents,
    whether UMAP finds the neighbours or is given the exact ones (as from 4,096 texts)."""
    if neighbours == "exact":
        monkeypatch.setattr(discovery, "UMAP_SEARCH_FROM", MANIFOLD_MIN_TEXTS)
    called: list[int] = []
    monkeypatch.setattr(nearest, "nearest_neighbours", _counted(nearest.nearest_neighbours, called))
    data = read_labelled_csv(BANKING77)
    intents = sorted(set(data.labels))[:24]
    rows = [(t, label) for t, label in zip(data.texts, data.labels, strict=True) if label in intents]
    assert len(rows) >= MANIFOLD_MIN_TEXTS
    clusters = cluster_texts([t for t, _ in rows])
    covered = [i for c in clusters for i in c.members]
    assert len(covered) == len(set(covered)) >= 0.85 * len(rows)
    majority = sum(Counter(rows[i][1] for i in c.members).most_common(1)[0][1] for c in clusters)
    assert majority / len(covered) >= 0.9
    # Close requests are kept apart (purity first), so an intent may come as a few proposals.
    assert len(intents) // 2 <= len(clusters) <= 6 * len(intents)
    # Below 4,096 texts UMAP computes exact distances itself.
    assert called == ([len(rows)] if neighbours == "exact" else [])


def _counted(function: Any, calls: list[int]) -> Any:
    def counted(vectors: Any, count: int) -> Any:
        calls.append(len(vectors))
        return function(vectors, count)

    return counted


def test_a_big_cluster_of_two_requests_is_split_and_no_text_leaves_it() -> None:
    rng = np.random.default_rng(3)

    def near(direction: np.ndarray, count: int, spread: float) -> np.ndarray:
        points = direction + spread * rng.normal(size=(count, len(direction)))
        return points / np.linalg.norm(points, axis=1, keepdims=True)

    first, second, third = np.eye(8)[:3]
    features = np.vstack(
        [
            near(first, 14, 0.05),
            near(0.8 * first + 0.6 * second, 14, 0.05),  # cosine 0.8 to the first request
            near(first + 0.25 * third, 2, 0.01),  # too few to stand alone: join the first part
            near(third, SPLIT_FROM - 1, 0.3),  # below SPLIT_FROM: never cut again
        ]
    ).astype(np.float32)
    labels = np.array([0] * 30 + [1] * (SPLIT_FROM - 1))
    split = _split_mixed(features, labels, distance=0.1, min_cluster_size=5)
    assert len(set(split[:14])) == len(set(split[14:28])) == 1
    assert split[0] != split[14]
    assert set(split[28:30]) == {split[0]}
    assert set(split[30:]) == {1}
    # A cluster whose parts are all too small stays whole.
    assert (_split_mixed(features[:30], np.zeros(30, dtype=np.int64), 0.001, 31) == 0).all()


@pytest.mark.skipif(not INSURANCE.exists(), reason="the insurance utterances are not beside the repository")
def test_the_biggest_proposals_of_a_small_real_inbox_hold_one_request_each() -> None:
    """Below MANIFOLD_MIN_TEXTS average linkage let big clusters absorb neighbouring requests; the
    five biggest proposals of the insurance calls held 80 % of one intent before they were split."""
    import json

    rows = [json.loads(line) for line in INSURANCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) < MANIFOLD_MIN_TEXTS
    clusters = cluster_texts([r["utterance"] for r in rows])
    biggest = sorted(clusters, key=lambda c: -len(c.members))[:5]
    majority = sum(Counter(rows[i]["intent"] for i in c.members).most_common(1)[0][1] for c in biggest)
    assert majority / sum(len(c.members) for c in biggest) >= 0.9
    covered = [i for c in clusters for i in c.members]
    assert len(covered) == len(set(covered)) >= 0.9 * len(rows)


@pytest.mark.skipif(not BANKING77.exists(), reason="BANKING77 is not beside the repository")
def test_framing_every_chat_shares_does_not_become_a_proposal() -> None:
    """Real requests inside the same introduction with an account reference and the same
    thank-you: the proposals follow the requests, not the framing they all share."""
    data = read_labelled_csv(BANKING77)
    intents = sorted(set(data.labels))[:8]
    rows = [(t, label) for t, label in zip(data.texts, data.labels, strict=True) if label in intents][:240]
    names = ["Maria Lopez", "Tom Becker", "Aisha Khan", "Kenji Sato"]
    chats = [
        f"Hello support, this is {names[i % 4]} (account ref AC-{100_000 + 7 * i}). "
        f"{text} My account ref AC-{100_000 + 7 * i}.\nOk, thank you for the quick reply."
        for i, (text, _) in enumerate(rows)
    ]
    clusters = cluster_texts(chats)
    covered = [i for c in clusters for i in c.members]
    majority = sum(Counter(rows[i][1] for i in c.members).most_common(1)[0][1] for c in clusters)
    assert len(covered) >= 0.6 * len(rows) and majority / len(covered) >= 0.8
    phrases = {phrase for c in clusters for phrase in c.key_phrases}
    assert not phrases & {"ref", "ac", "account ref", "quick reply", "reply", "quick"}, phrases


@pytest.mark.parametrize("one_customer", [True, False])
def test_a_name_one_customer_repeats_is_not_what_a_proposal_is_about(
    store: Store, one_customer: bool
) -> None:
    """Discovery reads who wrote each conversation: six messages of one customer about a payment
    to Dorottya keep her name out of the proposal; six customers writing about Zorbix make it its word."""
    name = "Dorottya" if one_customer else "Zorbix"
    texts = [f"My payment to {name} is still pending, sent on day {day}" for day in range(6)]
    rows = [
        Seed(
            f"n{i}",
            START + i * DAY,
            text,
            None,
            "billing_question",
            contact_id="c1" if one_customer else f"c{i}",
        )
        for i, text in enumerate(texts)
    ]
    seed(store, rows)
    _seed_unmatched(store, DARK_MODE, "d", day=10)
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r", day=20)
    proposals = discover(store, min_cluster_size=4)
    payments = next(p for p in proposals if p["size"] == len(texts))
    words = " ".join([*payments["key_phrases"], payments["title"], payments["signature"]]).lower()
    assert (name.lower() in words) is not one_customer, payments


def test_discovery_tells_each_step_as_it_starts(store: Store) -> None:
    """A discovery of a large inbox takes minutes: the CLI shows the step it is at."""
    _seed_unmatched(store, DARK_MODE, "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    steps: list[str] = []
    proposals = discover(store, min_cluster_size=4, progress=steps.append)
    texts = len(DARK_MODE) + len(RECEIPT_LANGUAGE)
    assert steps == [
        "reading the unmatched conversations",
        f"reading and embedding {texts} requests",
        f"clustering {texts} requests",
        f"naming {len(proposals)} clusters",
        "storing the proposals",
    ]


def test_a_quote_is_one_sentence_even_when_its_full_stop_went_with_a_number() -> None:
    """Cleaning takes "20." away with its full stop; the quote must not run the sentence into the
    next one ("it only gave me Where is the rest")."""
    chats = [
        f"The cash machine only gave me {20 + 10 * i}. Where is the rest of my cash withdrawal?"
        for i in range(6)
    ] + [
        f"My card payment of {5 + i} was declined at the shop. Why was my card payment refused?"
        for i in range(6)
    ]
    clusters = cluster_texts(chats, min_cluster_size=3)
    quotes = [quote for cluster in clusters for quote in cluster.quotes if quote]
    assert len(quotes) == len(chats)
    assert not [quote for quote in quotes if re.search(r"gave me Where|shop Why", quote)], quotes


def test_a_quote_shows_a_placeholder_where_the_customer_wrote_a_number() -> None:
    """A quote without its amounts read "I was charged $ for a transaction"; it shows where the
    value was, never the value, and never the e-mail address or the name around it."""
    chats = [
        f"Hi, this is Maria. I was charged ${20 + i} twice for the same coffee, reach me at m{i}@example.com"
        for i in range(6)
    ] + [f"My card payment of {5 + i} pounds was declined at the shop, what is wrong?" for i in range(6)]
    clusters = cluster_texts(chats, min_cluster_size=3)
    quotes = [quote for cluster in clusters for quote in cluster.quotes if quote]
    assert len(quotes) == len(chats)
    assert all("[number]" in quote for quote in quotes), quotes
    assert not [quote for quote in quotes if re.search(r"\d|@|Maria|\$ ", quote)], quotes


def test_requests_in_another_language_are_left_out_of_discovery(store: Store) -> None:
    """The models read English: requests in German grouped by their small words ("Ich habe"),
    whatever they asked for."""
    german = [
        "Ich habe meine Karte verloren, bitte sperren.",
        "Ich habe mein Passwort vergessen und der Link geht nicht.",
        "Ich habe zweimal bezahlt, bitte erstatten Sie das Geld.",
        "Ich habe keine Rechnung bekommen, wo ist sie?",
        "Ich habe die App installiert, aber sie startet nicht.",
        "Ich habe meine Adresse geändert, die Lieferung ging an die alte.",
    ]
    _seed_unmatched(store, DARK_MODE, "d")
    _seed_unmatched(store, german, "g")
    proposals = discover(store, min_cluster_size=4)
    with store.read() as conn:
        members = {cid for p in stored_proposals(conn) for _source, cid in p.members}
    assert [p["size"] for p in proposals] == [len(DARK_MODE)]
    assert not {m for m in members if m.startswith("g")}
