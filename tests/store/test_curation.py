"""Curation writes: re-pointing theme matches and the decision history (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from convosift.store import Store
from convosift.store import curation as stored
from convosift.store.schema import theme_matches
from store.results_seeding import Stored, store_results

T = 1_767_571_200


def _matches(store: Store) -> dict[str, tuple[str | None, str, str | None]]:
    """``id -> (signature, matcher, evidence)`` of every stored theme match."""
    with store.read() as conn:
        return {
            r.conversation_id: (r.signature, r.matcher, r.evidence)
            for r in conn.execute(sa.select(theme_matches))
        }


def test_repointing_moves_every_match_of_a_theme(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [Stored("a", T, "coupon"), Stored("b", T, "coupon"), Stored("c", T, "billing"), Stored("u", T, None)],
    )
    with fresh_store.write() as conn:
        assert stored.repoint_matches(conn, "coupon", "discount") == 2
        assert stored.repoint_matches(conn, "billing", None, matcher="curation") == 1
        assert stored.repoint_matches(conn, "nothing", "discount") == 0
    matches = _matches(fresh_store)
    assert matches["a"] == ("discount", "test", None) and matches["b"][0] == "discount"
    assert matches["c"] == (None, "curation", None)
    assert matches["u"] == (None, "test", None)


def test_a_proposed_signature_is_adopted_by_unmatched_rows_only(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [
            Stored("suggested", T, None, proposed_signature="dark_mode"),
            Stored("other", T, None, proposed_signature="gift_cards"),
            Stored("matched", T, "billing", proposed_signature="dark_mode"),
        ],
    )
    with fresh_store.write() as conn:
        assert stored.adopt_proposed_signature(conn, "dark_mode", "dark_mode_request") == 1
    matches = _matches(fresh_store)
    assert matches["suggested"][0] == "dark_mode_request"
    assert matches["other"][0] is None and matches["matched"][0] == "billing"


def test_assigning_members_takes_only_unmatched_ones_with_their_quotes(fresh_store: Store) -> None:
    store_results(
        fresh_store,
        [
            Stored("quoted", T, None, evidence=None),
            Stored("unquoted", T, None, evidence="kept as it was"),
            Stored("taken", T, "billing", evidence="billing quote"),
        ],
    )
    members = [
        ["intercom", "quoted"],
        ["intercom", "unquoted"],
        ["intercom", "taken"],
        ["intercom", "absent"],
    ]
    with fresh_store.write() as conn:
        changed = stored.assign_unmatched(
            conn,
            members,
            "dark_mode",
            matcher="curation",
            evidence={("intercom", "quoted"): "Dark mode please.", ("intercom", "taken"): "ignored"},
        )
    assert changed == 2
    matches = _matches(fresh_store)
    assert matches["quoted"] == ("dark_mode", "curation", "Dark mode please.")
    assert matches["unquoted"] == ("dark_mode", "curation", "kept as it was")
    assert matches["taken"] == ("billing", "test", "billing quote")


def test_decisions_are_recorded_and_listed_newest_first(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        for at, action in ((10.0, "rename"), (20.0, "merge"), (30.0, "retire")):
            stored.record_decision(
                conn,
                at=at,
                action=action,
                signature="coupon",
                target="discount" if action != "retire" else None,
                matches_changed=3,
                detail={"note": None, "vocabulary_hash": "abc"},
            )
    with fresh_store.read() as conn:
        latest = stored.decision_history(conn, limit=2)
    assert [(d.action, d.at) for d in latest] == [("retire", 30.0), ("merge", 20.0)]
    assert latest[0].target is None and latest[1].target == "discount"
    assert latest[0].matches_changed == 3 and latest[0].detail == {"note": None, "vocabulary_hash": "abc"}
    assert latest[0].id > latest[1].id
