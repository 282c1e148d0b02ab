"""Curation rewrites the vocabulary and re-points stored matches without re-classifying."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from themes_seeding import DAY, START, Seed, seed

from convosift.errors import ConfigurationError, ConflictError, NotFoundError
from convosift.store import Store
from convosift.store.curation import rescore_unmatched
from convosift.store.proposals import mark_gone
from convosift.store.schema import classifications, theme_matches
from convosift.store.themes_schema import theme_proposals
from convosift.themes.aggregates import theme_summary
from convosift.themes.curation import Curator, decision_history
from convosift.themes.proposals import list_proposals, open_proposals
from convosift.themes.vocabulary import load_vocabulary

CLOCK = 1_770_000_000.0


def _matches(store: Store) -> dict[str, str | None]:
    with store.read() as conn:
        return {r.conversation_id: r.signature for r in conn.execute(sa.select(theme_matches))}


def _classifications(store: Store) -> list[tuple[object, ...]]:
    with store.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(sa.select(classifications).order_by(classifications.c.conversation_id))
        ]


def _seeded(store: Store) -> None:
    seed(
        store,
        [
            Seed("c1", START, "Coupon does nothing.", "discount_code_not_applied"),
            Seed("c2", START + DAY, "Promo code ignored.", "discount_code_not_applied"),
            Seed("c3", START + DAY, "Gift cards please.", "gift_card_support_request"),
            Seed("u1", START + 2 * DAY, "Dark mode for the dashboard please.", None, "feature_request"),
            Seed("u2", START + 2 * DAY, "Please add a dark theme.", None, "feature_request"),
        ],
    )


def _curator(store: Store, vocabulary_file: Path) -> Curator:
    return Curator(store, vocabulary_file, clock=lambda: CLOCK)


def test_rename_changes_file_and_rows_but_not_classifications(store: Store, vocabulary_file: Path) -> None:
    _seeded(store)
    before = _classifications(store)
    outcome = _curator(store, vocabulary_file).rename("discount_code_not_applied", "coupon_not_applied")
    assert outcome.matches_changed == 2
    assert _matches(store)["c1"] == "coupon_not_applied"
    vocabulary = load_vocabulary(vocabulary_file)
    assert vocabulary.find("discount_code_not_applied") is None
    assert vocabulary.get("coupon_not_applied").title == "Discount codes have no effect at checkout"
    assert (
        vocabulary.decisions[-1].action == "rename"
        and vocabulary.decisions[-1].target == "coupon_not_applied"
    )
    assert _classifications(store) == before
    history = decision_history(store)
    assert history[0]["action"] == "rename" and history[0]["matches_changed"] == 2
    assert history[0]["at"] == "2026-02-02T02:40:00+00:00"


def test_rename_can_give_a_theme_another_title_alone(store: Store, vocabulary_file: Path) -> None:
    _seeded(store)
    curator = _curator(store, vocabulary_file)
    outcome = curator.rename("discount_code_not_applied", title="Coupons ignored at checkout")
    assert (outcome.signature, outcome.target, outcome.matches_changed) == (
        "discount_code_not_applied",
        "discount_code_not_applied",
        0,
    )
    vocabulary = load_vocabulary(vocabulary_file)
    assert vocabulary.get("discount_code_not_applied").title == "Coupons ignored at checkout"
    assert vocabulary.decisions[-1].note == "title 'Coupons ignored at checkout'"
    assert _matches(store)["c1"] == "discount_code_not_applied"
    with pytest.raises(ConfigurationError, match="nothing to rename"):
        curator.rename("discount_code_not_applied")


def test_merge_moves_matches_and_keeps_the_link(store: Store, vocabulary_file: Path) -> None:
    _seeded(store)
    before = _classifications(store)
    outcome = _curator(store, vocabulary_file).merge("gift_card_support_request", "discount_code_not_applied")
    assert outcome.matches_changed == 1
    assert _classifications(store) == before
    assert _matches(store)["c3"] == "discount_code_not_applied"
    vocabulary = load_vocabulary(vocabulary_file)
    merged = vocabulary.get("gift_card_support_request")
    assert merged.status == "merged" and merged.merged_into == "discount_code_not_applied"
    with pytest.raises(ConfigurationError, match="not active"):
        _curator(store, vocabulary_file).merge("android_app_request", "gift_card_support_request")


def test_retire_makes_matches_unmatched(store: Store, vocabulary_file: Path) -> None:
    _seeded(store)
    before = _classifications(store)
    assert _curator(store, vocabulary_file).retire("discount_code_not_applied").matches_changed == 2
    assert _classifications(store) == before
    assert _matches(store)["c1"] is None
    assert load_vocabulary(vocabulary_file).get("discount_code_not_applied").status == "retired"
    with pytest.raises(ConfigurationError, match="already retired"):
        _curator(store, vocabulary_file).retire("discount_code_not_applied")


DARK_QUOTES = {
    "u1": "Dark mode for the dashboard please.",
    "u2": "dark mode for the  dashboard please.",  # the same words from another customer
}


def _proposal(store: Store, quotes: dict[str, str] = DARK_QUOTES, proposal_id: str = "p1234abcd") -> None:
    """An open proposal whose members are the keys of ``quotes``, each with its quote."""
    with store.write() as conn:
        conn.execute(
            sa.insert(theme_proposals).values(
                id=proposal_id,
                signature="dark_mode_dashboard",
                title="Dark mode, dashboard",
                key_phrases=["dark mode"],
                size=len(quotes),
                members=[["intercom", key] for key in quotes],
                evidence=[
                    {"source": "intercom", "conversation_id": key, "quote": quote}
                    for key, quote in quotes.items()
                ],
                centroid=[0.0],
                status="proposed",
                decided_signature=None,
                created_at=0.0,
                updated_at=0.0,
            )
        )


def test_accepting_a_proposal_adds_the_theme_and_adopts_its_members(
    store: Store, vocabulary_file: Path
) -> None:
    _seeded(store)
    _proposal(store)
    before = _classifications(store)
    outcome = _curator(store, vocabulary_file).accept("p1234abcd", signature="dark_mode_request")
    assert outcome.matches_changed == 2
    assert _classifications(store) == before
    assert _matches(store)["u1"] == "dark_mode_request" and _matches(store)["u2"] == "dark_mode_request"
    theme = load_vocabulary(vocabulary_file).get("dark_mode_request")
    assert theme.status == "active" and theme.examples == ("Dark mode for the dashboard please.",)
    with pytest.raises(ConfigurationError, match="already accepted") as accepted:
        _curator(store, vocabulary_file).accept("p1234abcd")
    assert accepted.value.hint == "it became theme 'dark_mode_request'"


def test_an_accepted_theme_learns_its_quotes_without_their_placeholders(
    store: Store, vocabulary_file: Path
) -> None:
    """A quote shows "[number]" where the customer wrote an amount; the examples a matcher learns
    from carry no such word, and the members keep the quote as shown."""
    _seeded(store)
    _proposal(
        store,
        {"u1": "I was charged $[number] twice for one coffee.", "u2": "Charged [number] times for one order"},
    )
    _curator(store, vocabulary_file).accept("p1234abcd", signature="double_charge")
    theme = load_vocabulary(vocabulary_file).get("double_charge")
    assert theme.examples == ("I was charged $ twice for one coffee.", "Charged times for one order")
    with store.read() as conn:
        evidence = dict(
            conn.execute(sa.select(theme_matches.c.conversation_id, theme_matches.c.evidence)).all()
        )
    assert evidence["u1"] == "I was charged $[number] twice for one coffee."


def test_a_proposal_a_later_discovery_lost_says_where_to_look(store: Store, vocabulary_file: Path) -> None:
    _seeded(store)
    _proposal(store)
    with store.write() as conn:
        mark_gone(conn, ["p1234abcd"], 1.0)
    with pytest.raises(ConfigurationError, match="already gone") as gone:
        _curator(store, vocabulary_file).accept("p1234abcd")
    assert gone.value.hint is not None and "convosift themes proposals" in gone.value.hint


def test_merging_a_proposal_into_an_existing_theme(store: Store, vocabulary_file: Path) -> None:
    _seeded(store)
    _proposal(store)
    before = load_vocabulary(vocabulary_file).themes
    outcome = _curator(store, vocabulary_file).merge("p1234abcd", "gift_card_support_request")
    assert outcome.matches_changed == 2 and _matches(store)["u2"] == "gift_card_support_request"
    after = load_vocabulary(vocabulary_file)
    assert after.themes == before and after.decisions[-1].note == "proposal p1234abcd"


def test_bad_requests_change_nothing(store: Store, vocabulary_file: Path) -> None:
    _seeded(store)
    original = vocabulary_file.read_text()
    curator = _curator(store, vocabulary_file)
    with pytest.raises(NotFoundError):
        curator.rename("no_such_theme", "whatever")
    with pytest.raises(ConfigurationError, match="snake_case"):
        curator.rename("discount_code_not_applied", "Not Snake")
    with pytest.raises(ConfigurationError, match="already exists"):
        curator.rename("discount_code_not_applied", "gift_card_support_request")
    with pytest.raises(NotFoundError):
        curator.accept("p-unknown")
    with pytest.raises(ConfigurationError, match="not proposed"):
        curator.accept("gift_card_support_request")
    assert vocabulary_file.read_text() == original
    assert decision_history(store) == []


def test_renaming_and_dismissing_a_proposal_leave_the_vocabulary_alone(
    store: Store, vocabulary_file: Path
) -> None:
    _seeded(store)
    _proposal(store)
    original = vocabulary_file.read_text()
    curator = _curator(store, vocabulary_file)
    outcome = curator.rename_proposal("p1234abcd", title="  Dark  mode ", signature="dark_mode_request")
    assert outcome.to_dict() == {
        "action": "rename",
        "signature": "p1234abcd",
        "target": "dark_mode_request",
        "matches_changed": 0,
        "note": "title 'Dark mode'",
    }
    with store.read() as conn:
        row = conn.execute(sa.select(theme_proposals)).mappings().one()
    assert (row["title"], row["signature"]) == ("Dark mode", "dark_mode_request")
    with pytest.raises(ConfigurationError, match="already taken"):
        curator.rename_proposal("p1234abcd", signature="gift_card_support_request")
    with pytest.raises(ConfigurationError, match="nothing to rename"):
        curator.rename_proposal("p1234abcd")
    assert curator.dismiss("p1234abcd").action == "dismiss"
    with pytest.raises(ConflictError, match="already dismissed"):
        curator.dismiss("p1234abcd")
    with pytest.raises(ConfigurationError, match="already dismissed"):
        curator.accept("p1234abcd")
    with pytest.raises(NotFoundError):
        curator.dismiss("p-unknown")
    assert _matches(store)["u1"] is None
    assert vocabulary_file.read_text() == original
    assert [d["action"] for d in decision_history(store)] == ["dismiss", "rename"]


def test_a_theme_cannot_be_named_as_the_filter_of_the_unthemed(store: Store, vocabulary_file: Path) -> None:
    """Renamed ``unmatched``, a theme's link listed the unthemed conversations, and its own
    conversations could no longer be filtered."""
    _seeded(store)
    with pytest.raises(ConfigurationError, match="cannot name a theme"):
        _curator(store, vocabulary_file).rename("discount_code_not_applied", "unmatched")
    assert _matches(store)["c1"] == "discount_code_not_applied"
    assert load_vocabulary(vocabulary_file).find("unmatched") is None


def _scores(store: Store) -> dict[str, float]:
    with store.read() as conn:
        return {r.conversation_id: r.score for r in conn.execute(sa.select(theme_matches))}


def test_accepted_members_are_scored_by_how_close_they_are_to_the_theme(
    store: Store, vocabulary_file: Path
) -> None:
    """An accepted member kept the near-miss score it had for another theme, and reports quote a
    theme's highest-scored conversations: the proposal's stragglers were quoted first."""
    dark = [
        "Dark mode for the dashboard please.",
        "Please add a dark theme to the dashboard.",
        "Could the dashboard get a dark mode?",
        "Dark mode for the dashboard, please!",  # the first one's words: not a second example
    ]
    straggler = "My invoice shows the wrong VAT number."
    texts = {f"u{i}": text for i, text in enumerate([*dark, straggler])}
    seed(store, [Seed(key, START + DAY, text, None, "feature_request") for key, text in texts.items()])
    with store.write() as conn:
        # Near misses of an earlier vocabulary: the straggler came closest to one of its themes.
        rescore_unmatched(conn, {("intercom", "u4"): 0.95, ("intercom", "u0"): 0.2}, matcher="local-themes:x")
    _proposal(store, texts, "p5678abcd")
    _curator(store, vocabulary_file).accept("p5678abcd", signature="dark_mode_request")
    theme = load_vocabulary(vocabulary_file).get("dark_mode_request")
    assert theme.examples == (*dark[:3], straggler)
    scores = _scores(store)
    assert all(scores[f"u{i}"] > scores["u4"] for i in range(4))
    assert all(0.0 <= score <= 1.0 for score in scores.values())
    quotes = theme_summary(store, vocabulary=load_vocabulary(vocabulary_file), top_quotes=3)[0]["quotes"]
    assert [q["quote"] for q in quotes] == sorted(
        [q["quote"] for q in quotes],
        key=lambda quote: -scores[next(k for k, t in texts.items() if t == quote)],
    )
    assert straggler not in [q["quote"] for q in quotes]
    # The same words with other punctuation are quoted once.
    assert len({q["quote"].casefold().strip("!.").replace(",", "") for q in quotes}) == len(quotes)


def test_a_proposal_shows_each_quote_once(store: Store) -> None:
    """Two customers wrote the same words: the list showed them twice among five quotes."""
    _seeded(store)
    _proposal(store)
    assert list_proposals(store)[0]["quotes"] == ["Dark mode for the dashboard please."]
    assert open_proposals(store)["proposals"][0]["quotes"] == ["Dark mode for the dashboard please."]


def test_a_proposal_merged_into_a_theme_scores_its_members_against_that_theme(
    store: Store, vocabulary_file: Path
) -> None:
    """Members are scored against the theme they join; one that discovery kept no quote of gets 0,
    not the near miss it had for another theme."""
    _seeded(store)
    seed(store, [Seed("u3", START + 3 * DAY, "Where do I buy a gift card?", None, "how_to_question")])
    _proposal(store)
    with store.write() as conn:
        rescore_unmatched(
            conn, {("intercom", key): 0.9 for key in ("u1", "u2", "u3")}, matcher="local-themes:x"
        )
        members = [["intercom", "u1"], ["intercom", "u2"], ["intercom", "u3"]]
        quotes = {"u1": "Can I buy a gift card for my sister?", "u2": "Dark mode for the dashboard please."}
        evidence = [{"source": "intercom", "conversation_id": k, "quote": q} for k, q in quotes.items()]
        conn.execute(sa.update(theme_proposals).values(members=members, size=3, evidence=evidence))
    _curator(store, vocabulary_file).merge("p1234abcd", "gift_card_support_request")
    scores = _scores(store)
    assert scores["u3"] == 0.0
    assert scores["u2"] < scores["u1"] < 0.9
