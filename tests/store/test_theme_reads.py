"""Reads behind theme aggregates and discovery, and the demo's results in brief (SQLite and PostgreSQL)."""

from __future__ import annotations

from convosift.store import Store
from convosift.store.summaries import ResultInBrief, results_in_brief
from convosift.store.themes import (
    KeptResult,
    MatchEvidence,
    ThemeMember,
    kept_results,
    match_evidence,
    theme_members,
    unmatched_conversations,
)
from store.results_seeding import Stored, store_results

T = 1_767_571_200


def test_kept_results_hold_kept_conversations_created_in_the_half_open_period(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [
            Stored("before", T - 1, "billing"),
            Stored("first", T, "billing", category="billing_question"),
            Stored("unmatched", T + 5, None, category=None),
            Stored("filtered", T + 6, kept=False),
            Stored("at_until", T + 10, "billing"),
        ],
    )
    with fresh_store.read() as conn:
        inside = sorted(kept_results(conn, T, T + 10), key=lambda r: r.conversation_id)
        everything = kept_results(conn, None, None)
    assert inside == [
        KeptResult("intercom", "first", T, "billing", "billing_question"),
        KeptResult("intercom", "unmatched", T + 5, None, None),
    ]
    assert {r.conversation_id for r in everything} == {"before", "first", "unmatched", "at_until"}


def test_match_evidence_is_grouped_by_theme_best_score_first(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [
            Stored("b2", T, "billing", evidence="Charged twice.", score=0.7),
            Stored("b1", T, "billing", evidence="Charged twice again.", score=0.7),
            Stored("b3", T, "billing", evidence="Refund please.", score=0.9),
            Stored("a1", T, "export", evidence="Export fails.", score=0.2),
            Stored("no_quote", T, "export", evidence=None, score=0.99),
            Stored("unmatched", T, None, evidence="Nothing fits."),
            Stored("late", T + 100, "export", evidence="Too late.", score=0.99),
        ],
    )
    with fresh_store.read() as conn:
        evidence = match_evidence(conn, None, T + 100)
    assert [(e.signature, e.conversation_id) for e in evidence] == [
        ("billing", "b3"),
        ("billing", "b1"),
        ("billing", "b2"),
        ("export", "a1"),
    ]
    assert evidence[0] == MatchEvidence("billing", "intercom", "b3", "Refund please.", 0.9)


def test_theme_members_are_a_page_of_one_theme_newest_first(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [
            Stored("old", T, "billing", evidence="Old."),
            Stored("mid_b", T + 1, "billing"),
            Stored("mid_a", T + 1, "billing"),
            Stored("new", T + 2, "billing", category="billing_question", score=0.75, evidence="New."),
            Stored("other", T + 3, "export"),
        ],
    )
    with fresh_store.read() as conn:
        first = theme_members(conn, "billing", None, None, limit=2, offset=0)
        rest = theme_members(conn, "billing", None, None, limit=10, offset=2)
        since_mid = theme_members(conn, "billing", T + 1, None, limit=10, offset=0)
    assert first[0] == ThemeMember(
        source="intercom",
        id="new",
        created_at=T + 2,
        subject="subject of new",
        url="https://example.test/new",
        category="billing_question",
        score=0.75,
        evidence="New.",
        matcher="test",
    )
    assert [m.id for m in first + rest] == ["new", "mid_a", "mid_b", "old"]
    assert [m.id for m in since_mid] == ["new", "mid_a", "mid_b"]


def test_unmatched_conversations_leave_out_matched_filtered_and_excluded_ones(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [
            Stored("oldest", T, None, text="Dark mode please."),
            Stored("unclassified", T + 1, None, category=None),
            Stored("spam", T + 2, None, category="spam"),
            Stored("matched", T + 3, "billing"),
            Stored("filtered", T + 4, kept=False),
            Stored("newest", T + 5, None, category="feature_request"),
            Stored("spam?", T - 1, None, category="spam", needs_review=True),
        ],
    )
    with fresh_store.read() as conn:
        pool = unmatched_conversations(conn, limit=10, excluded_categories=("spam",))
        newest_two = unmatched_conversations(conn, limit=2, excluded_categories=("spam",))
        with_spam = unmatched_conversations(conn, limit=10)
    # A spam label flagged for review is a guess: it does not keep the conversation out.
    assert [c.id for c in pool] == ["newest", "unclassified", "oldest", "spam?"]
    assert pool[-2].source == "intercom" and pool[-2].customer_text == "Dark mode please."
    assert [c.id for c in newest_two] == ["newest", "unclassified"]
    assert [c.id for c in with_spam] == ["newest", "spam", "unclassified", "oldest", "spam?"]


def test_results_in_brief_say_what_was_kept_classified_and_matched(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [
            Stored("matched", T, "billing", category="billing_question", needs_review=True),
            Stored("filtered", T + 1, kept=False),
        ],
    )
    with fresh_store.read() as conn:
        results = {r.id: r for r in results_in_brief(conn)}
    assert results == {
        "matched": ResultInBrief("matched", True, "billing_question", True, "billing"),
        "filtered": ResultInBrief("filtered", False, None, False, None),
    }
