"""A first run on a real inbox with default settings: nothing fictional is imposed on it.

The inbox is customer text nobody here wrote (BANKING77 queries), wrapped as chats look: a
greeting with a name, the request, a thank-you. With the defaults (embedded models, no
vocabulary) the backfill completes, no conversation is matched to any theme, genuine requests are
not called spam, discovery proposes themes, accepting one writes the vocabulary file, and the
next run matches new conversations to that one theme.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
import sqlalchemy as sa

import services as service
from convosift.config import load_settings
from convosift.domain import RunStatus, Window
from convosift.themes.curation import Curator
from convosift.themes.discovery import discover
from convosift.themes.vocabulary import load_vocabulary
from shared_data import BANKING77

T0 = 1_750_000_000
NAMES = ("Maria", "James", "Aiko", "Olu", "Priya", "Lukas", "Sofia", "Chen")
INTENTS = 8
PER_INTENT = 30


def _banking_inbox(path: Path) -> int:
    if not BANKING77.exists():
        pytest.skip(f"{BANKING77} is not available")
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(5)
    intents = sorted({row["category"] for row in rows})
    chosen = rng.sample(intents, INTENTS)
    with path.open("w", encoding="utf-8") as out:
        number = 0
        for intent in chosen:
            for row in [r for r in rows if r["category"] == intent][:PER_INTENT]:
                name = rng.choice(NAMES)
                record = {
                    "id": f"b{number}",
                    "created_at": T0 + number * 60,
                    "updated_at": T0 + number * 60 + 30,
                    "opener": f"Hi, this is {name}.",
                    "messages": [
                        {
                            "id": f"b{number}-1",
                            "part_type": "comment",
                            "author_type": "user",
                            "body": row["text"],
                        },
                        {
                            "id": f"b{number}-2",
                            "part_type": "comment",
                            "author_type": "admin",
                            "body": "Let me check.",
                        },
                        {
                            "id": f"b{number}-3",
                            "part_type": "comment",
                            "author_type": "user",
                            "body": "Thanks!",
                        },
                    ],
                }
                out.write(json.dumps(record) + "\n")
                number += 1
    return number


def test_a_first_run_on_a_real_inbox_imposes_no_fictional_theme(tmp_path: Path, database_url: str) -> None:
    inbox = tmp_path / "inbox.jsonl"
    total = _banking_inbox(inbox)
    config = load_settings(database_url=database_url, source="files", source_path=inbox)
    assert config.vocabulary_path is None and config.classifier == "local"

    record = service.start_run(config, window=Window(since=0, until=2**31))

    assert record.status is RunStatus.COMPLETED, record.error
    assert record.counts.stored == total
    assert record.counts.themed == 0 and record.counts.unmatched == record.counts.classified
    with service.open_store(config).read() as conn:
        categories = list(conn.execute(sa.text("SELECT category FROM classifications")).scalars())
    assert len(categories) == record.counts.classified > 0.9 * total
    assert categories.count("spam") <= 0.005 * len(categories)

    store = service.open_store(config)
    proposals = discover(store, min_cluster_size=5)
    assert proposals, "discovery proposes themes for the unmatched conversations"

    vocabulary_file = tmp_path / "vocabulary.yaml"
    biggest = max(proposals, key=lambda p: p["size"])
    outcome = Curator(store, vocabulary_file).accept(biggest["id"])
    assert outcome.matches_changed == biggest["size"]
    assert [theme.signature for theme in load_vocabulary(vocabulary_file).active] == [outcome.signature]

    # The next run matches with the vocabulary of that one accepted theme.
    with store.read() as conn:
        accepted = set(
            conn.execute(
                sa.text("SELECT conversation_id FROM theme_matches WHERE signature = :s"),
                {"s": outcome.signature},
            ).scalars()
        )
    later = tmp_path / "later.jsonl"
    with inbox.open(encoding="utf-8") as source, later.open("w", encoding="utf-8") as out:
        for line in source:
            record = json.loads(line)
            if record["id"] in accepted:
                record["id"] = "later-" + record["id"]
                record["updated_at"] += 10**6
                out.write(json.dumps(record) + "\n")
    themed = load_settings(
        database_url=database_url, source="files", source_path=later, vocabulary_path=vocabulary_file
    )
    second = service.start_run(themed, window=Window(since=0, until=2**31))
    assert second.status is RunStatus.COMPLETED, second.error
    assert second.counts.stored == len(accepted)
    assert second.counts.themed >= len(accepted) // 2
