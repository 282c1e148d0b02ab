"""Rows of theme proposals: written, found again, listed, closed (SQLite and PostgreSQL)."""

from __future__ import annotations

from convosift.store import Store
from convosift.store import proposals as stored
from convosift.store.proposals import ClusterContent, Proposal


def _content(*ids: str, phrase: str = "dark mode") -> ClusterContent:
    return ClusterContent(
        key_phrases=[phrase],
        members=[["intercom", i] for i in ids],
        evidence=[{"source": "intercom", "conversation_id": ids[0], "quote": f"{phrase} please"}],
        centroid=[0.6, 0.8],
    )


def test_an_inserted_proposal_reads_back_whole(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        stored.insert_proposal(
            conn, "p1", _content("u1", "u2"), signature="dark_mode", title="Dark mode", now=5.0
        )
    with fresh_store.read() as conn:
        assert stored.get_proposal(conn, "p1") == Proposal(
            id="p1",
            signature="dark_mode",
            title="Dark mode",
            key_phrases=["dark mode"],
            size=2,
            members=[["intercom", "u1"], ["intercom", "u2"]],
            evidence=[{"source": "intercom", "conversation_id": "u1", "quote": "dark mode please"}],
            centroid=[0.6, 0.8],
            status="proposed",
            decided_signature=None,
            created_at=5.0,
            updated_at=5.0,
        )
        assert stored.get_proposal(conn, "p2") is None
        assert stored.proposal_exists(conn, "p1") and not stored.proposal_exists(conn, "p2")


def test_refreshing_a_proposal_keeps_its_name_and_replaces_its_cluster(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        stored.insert_proposal(
            conn, "p1", _content("u1", "u2"), signature="dark_mode", title="Dark mode", now=5.0
        )
        stored.refresh_proposal(conn, "p1", _content("u1", "u2", "u3", phrase="dark theme"), 9.0)
    with fresh_store.read() as conn:
        proposal = stored.get_proposal(conn, "p1")
    assert proposal is not None
    assert (proposal.signature, proposal.title, proposal.created_at) == ("dark_mode", "Dark mode", 5.0)
    assert (proposal.key_phrases, proposal.size, proposal.updated_at) == (["dark theme"], 3, 9.0)


def test_proposals_are_listed_biggest_first_by_status(fresh_store: Store) -> None:
    with fresh_store.write() as conn:
        stored.insert_proposal(conn, "pb", _content("a", "b"), signature="two_b", title="B", now=1.0)
        stored.insert_proposal(conn, "pa", _content("c", "d"), signature="two_a", title="A", now=1.0)
        stored.insert_proposal(conn, "pc", _content("e", "f", "g"), signature="three", title="C", now=1.0)
        stored.insert_proposal(conn, "pg", _content("h"), signature="gone_one", title="G", now=1.0)
        stored.insert_proposal(conn, "pm", _content("i"), signature="merged_one", title="M", now=1.0)
        stored.mark_gone(conn, ["pg"], 2.0)
        stored.mark_gone(conn, [], 2.0)
        stored.close_proposal(conn, "pm", "merged", "billing", 3.0)
    with fresh_store.read() as conn:
        assert [p.id for p in stored.list_proposals(conn)] == ["pc", "pa", "pb"]
        assert [p.id for p in stored.list_proposals(conn, status=None)] == ["pc", "pa", "pb", "pg", "pm"]
        (gone,) = stored.list_proposals(conn, status="gone")
        merged = stored.get_proposal(conn, "pm")
        signatures = stored.proposal_signatures(conn)
    assert (gone.id, gone.updated_at) == ("pg", 2.0)
    assert merged is not None
    assert (merged.status, merged.decided_signature, merged.updated_at) == ("merged", "billing", 3.0)
    assert signatures == {"two_a", "two_b", "three", "gone_one", "merged_one"}
