"""``themes rematch``: stored unmatched conversations get the vocabulary's themes, nothing else changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from themes_seeding import DAY, START, Seed, seed
from typer.testing import CliRunner

from convosift.cli import app
from convosift.config import load_settings
from convosift.store import Store
from convosift.store.conversations import export_rows
from convosift.store.proposals import ClusterContent, get_proposal, insert_proposal
from convosift.store.schema import theme_matches
from convosift.themes.rematch import rematch
from convosift.themes.vocabulary import load_vocabulary

GIFT_CARDS = [
    "Hi, can our customers buy gift cards in the shop? Thanks, Ana",
    "We get asked for gift vouchers every week, please add them to the store.",
    "Is selling gift certificates possible on our storefront?",
]
UNRELATED = ["What are your office opening hours in Lisbon?", "Do you sponsor local football clubs?"]


def _matches(store: Store) -> dict[str, tuple[str | None, str]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(theme_matches.c.conversation_id, theme_matches.c.signature, theme_matches.c.matcher)
        )
        return {r.conversation_id: (r.signature, r.matcher) for r in rows}


@pytest.fixture
def seeded(store: Store) -> Store:
    rows = [
        Seed(f"g{i}", START + i * DAY, text, None, "feature_request") for i, text in enumerate(GIFT_CARDS)
    ]
    rows += [
        Seed(f"u{i}", START + i * DAY, text, None, "general_inquiry") for i, text in enumerate(UNRELATED)
    ]
    # Spam is never matched, and a conversation already matched keeps its theme.
    rows.append(Seed("s0", START, "Buy gift cards at 90% off, click here now!!!", None, "spam"))
    # A spam label flagged for review is a guess: the conversation is matched like any other.
    rows.append(Seed("s1", START, "Can people buy gift cards in our shop?", None, "spam", needs_review=True))
    rows.append(
        Seed("m0", START, "Could shoppers buy gift cards for their friends?", "discount_code_not_applied")
    )
    seed(store, rows)
    return store


def test_rematch_themes_the_unmatched_conversations_of_a_theme_and_nothing_else(
    seeded: Store, vocabulary_file: Path, tmp_path: Path
) -> None:
    settings = load_settings(database_url=seeded.url, cache_dir=tmp_path / "models")
    result = rematch(seeded, settings, load_vocabulary(vocabulary_file))
    matches = _matches(seeded)
    assert result.examined == len(GIFT_CARDS) + len(UNRELATED) + 1
    assert [matches[f"g{i}"][0] for i in range(len(GIFT_CARDS))] == ["gift_card_support_request"] * 3
    assert matches["s1"][0] == "gift_card_support_request"
    assert all(matches[f"u{i}"][0] is None for i in range(len(UNRELATED)))
    assert matches["s0"] == (None, "test") and matches["m0"] == ("discount_code_not_applied", "test")
    assert matches["g0"][1].startswith("local")  # who matched it: the local matcher, not curation
    assert result.matched == 4 and result.by_theme == {"gift_card_support_request": 4}
    # The ones left unmatched now carry how near they came, under the matcher that judged them.
    with seeded.read() as conn:
        left = conn.execute(
            sa.select(theme_matches.c.score, theme_matches.c.matcher).where(
                theme_matches.c.conversation_id.in_(["u0", "u1"])
            )
        ).all()
    assert len(left) == 2 and all(r.matcher.startswith("local") and r.score > 0 for r in left)
    again = rematch(seeded, settings, load_vocabulary(vocabulary_file))
    assert (again.examined, again.matched) == (len(UNRELATED), 0)


def test_the_command_reports_what_it_matched_and_needs_a_vocabulary(
    seeded: Store, vocabulary_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", seeded.url)
    missing = runner.invoke(app, ["themes", "rematch"])
    assert missing.exit_code == 2 and "no theme to match against" in missing.stderr
    monkeypatch.setenv("CONVOSIFT_VOCABULARY", str(vocabulary_file))
    done = runner.invoke(app, ["themes", "rematch", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["by_theme"] == {"gift_card_support_request": 4}


def test_conversations_it_themes_leave_the_open_proposals(
    seeded: Store, vocabulary_file: Path, tmp_path: Path
) -> None:
    # Discovery grouped two gift-card requests with an unrelated one; a second proposal holds only
    # gift-card requests. Once rematch themes them, no open proposal counts them.
    mixed = [["intercom", "g0"], ["intercom", "u0"], ["intercom", "g1"]]
    only_gift = [["intercom", "g2"]]
    with seeded.write() as conn:
        for proposal_id, members in (("pmixed", mixed), ("pgift", only_gift)):
            evidence = [{"source": s, "conversation_id": i, "quote": f"quote of {i}"} for s, i in members]
            content = ClusterContent(key_phrases=["gift"], members=members, evidence=evidence, centroid=[0.0])
            insert_proposal(conn, proposal_id, content, signature=proposal_id, title=proposal_id, now=1.0)
    settings = load_settings(database_url=seeded.url, cache_dir=tmp_path / "models")
    rematch(seeded, settings, load_vocabulary(vocabulary_file))
    with seeded.read() as conn:
        mixed_after = get_proposal(conn, "pmixed")
        gift_after = get_proposal(conn, "pgift")
    assert mixed_after is not None and gift_after is not None
    assert (mixed_after.status, mixed_after.size, mixed_after.members) == (
        "proposed",
        1,
        [["intercom", "u0"]],
    )
    assert [e["conversation_id"] for e in mixed_after.evidence] == ["u0"]
    assert (gift_after.status, gift_after.size) == ("gone", 0)
    with seeded.read() as conn:
        exported = {row["id"]: row["proposal"] for row in export_rows(conn)}
    assert exported["g0"] is None and exported["u0"] == "pmixed"
