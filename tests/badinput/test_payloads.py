"""Hostile conversation payloads through the whole pipeline: no crash, every rejection recorded.

Hypothesis breaks Intercom conversation JSON (fields missing or of the wrong type, huge bodies,
deeply nested HTML, lone surrogates, null bytes, bytes that are not UTF-8) and writes it to a
JSONL export. A real backfill reads it with the file source, filters, classifies with the
embedded local models and stores it, on SQLite and PostgreSQL. Every line must end up either
stored or recorded as skipped with a reason; the untouched conversations must all be stored.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import services as service
from convosift.config import load_settings
from convosift.domain import RunStatus, Window
from convosift.mock.inbox import Inbox

# Wide enough for any timestamp the strategies below can produce.
EVERYTHING = Window(since=-(2**42), until=2**42)
_TEMPLATES = [Inbox(6, 5, 30, 1_750_000_000).render(plan) for plan in Inbox(6, 5, 30, 1_750_000_000).plans]
_examples = itertools.count()

NASTY_TEXT = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\ud800",
        "\udfff tail",
        "<script>alert(1)</script>",
        "é\u200b\ufeff",
        "\U0001f4a9" * 50,
        "<div>" * 3000 + "deep" + "</div>" * 3000,
        "x" * 300_000,
        "<p>" + "word " * 20_000 + "</p>",
        "",
    ]
)
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True),
    NASTY_TEXT,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
PATHS = [
    ("id",),
    ("created_at",),
    ("updated_at",),
    ("source",),
    ("source", "body"),
    ("source", "author"),
    ("source", "author", "type"),
    ("source", "subject"),
    ("conversation_parts",),
    ("conversation_parts", "conversation_parts"),
    ("conversation_parts", "total_count"),
    ("contacts",),
    ("tags",),
    ("state",),
    ("statistics",),
    ("title",),
]


@st.composite
def broken_line(draw: st.DrawFn, number: int) -> tuple[bytes, bool]:
    """One JSONL line and whether it was left intact."""
    payload = copy.deepcopy(draw(st.sampled_from(_TEMPLATES)))
    payload["id"] = f"{number}"
    kind = draw(
        st.sampled_from(["intact", "delete", "retype", "nasty-body", "nasty-part", "not-utf8", "not-json"])
    )
    if kind == "not-utf8":
        return json.dumps(payload).encode()[:-5] + b'\xff\xfe\x80"}', False
    if kind == "not-json":
        return draw(st.sampled_from([b"{", b"[1, 2", b"null", b"42", b'"text"', b"{}", b"[]"])), False
    if kind in ("delete", "retype"):
        path = draw(st.sampled_from(PATHS))
        parent = payload
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            if kind == "delete":
                parent.pop(path[-1], None)
            elif path == ("id",):
                # Still unique per line: two lines with one id would be one conversation listed twice.
                parent["id"] = draw(
                    st.one_of(
                        st.none(),
                        st.booleans(),
                        st.floats(),
                        st.lists(st.integers(), max_size=2),
                        st.integers(min_value=10**6 * number, max_value=10**6 * number + 999),
                        NASTY_TEXT.map(lambda text: f"{number}-{text}"),
                    )
                )
            else:
                parent[path[-1]] = draw(WRONG_TYPES)
    elif kind == "nasty-body":
        payload["source"]["body"] = draw(NASTY_TEXT)
        payload["source"]["subject"] = draw(NASTY_TEXT)
    elif kind == "nasty-part":
        parts = payload["conversation_parts"]["conversation_parts"]
        if parts:
            parts[0]["body"] = draw(NASTY_TEXT)
            parts[0]["author"] = draw(st.one_of(WRONG_TYPES, st.just({"type": draw(NASTY_TEXT)})))
    return json.dumps(payload).encode(), kind == "intact"


@st.composite
def export_file(draw: st.DrawFn) -> list[tuple[bytes, bool]]:
    size = draw(st.integers(min_value=1, max_value=12))
    # The first line decides the file's format (a lone "{" starts a pretty-printed document), so
    # it stays a readable conversation; every other line may be anything.
    first = copy.deepcopy(draw(st.sampled_from(_TEMPLATES))) | {"id": "1"}
    return [(json.dumps(first).encode(), True), *(draw(broken_line(n)) for n in range(2, size + 2))]


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Any]:
    """The embedded local models, loaded once for every example."""
    from convosift.analysis.local import build_local_analyzer

    yield build_local_analyzer(load_settings())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(lines=export_file())
def test_hostile_payloads_are_stored_or_skipped_with_a_reason(
    lines: list[tuple[bytes, bool]], database_url: str, tmp_path: Path, analyzer: Any
) -> None:
    # One database per test (not per example): each example is its own source file and run.
    example = next(_examples)
    path = tmp_path / f"export-{example}.jsonl"
    path.write_bytes(b"\n".join(line for line, _ in lines) + b"\n")
    # The analyzer is passed in; classifier "none" only spares each run re-reading the model files.
    config = load_settings(database_url=database_url, source="files", source_path=path, classifier="none")
    with service.open_store(config).write() as conn:
        # Ids repeat between examples; every example starts from empty tables.
        for table in ("classifications", "theme_matches", "conversations", "skipped", "runs"):
            conn.execute(sa.text(f"DELETE FROM {table}"))

    record = service.start_run(config, window=EVERYTHING, batch_size=10, analyzer=analyzer)

    assert record.status is RunStatus.COMPLETED, record.error
    counts = record.counts
    assert counts.listed == len(lines)
    assert counts.stored + counts.skipped == counts.listed
    with service.open_store(config).read() as conn:
        stored = set(conn.execute(sa.text("SELECT id FROM conversations")).scalars())
        skipped = conn.execute(sa.text("SELECT id, reason, detail FROM skipped")).all()
    assert len(stored) == counts.stored
    assert len(skipped) == counts.skipped
    assert all(reason and detail for _, reason, detail in skipped)
    intact = {str(number) for number, (_, ok) in enumerate(lines, start=1) if ok}
    assert intact <= stored


def _line(**changes: Any) -> bytes:
    payload = copy.deepcopy(_TEMPLATES[0])
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = payload
        for key in parents:
            node = node[key]
        node[last] = value
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "line",
    [
        _line(id="1", source__body="null \x00 byte"),
        _line(id="1", source__subject="\x00"),
        _line(id="1", source__body="lone \ud800 surrogate"),
        _line(id="1", source__author__type="\x00\ud800"),
        _line(id="1" + "9" * 300),
        _line(id="1\x00"),
        _line(id="1", state="x" * 1000),
        _line(id="1", source__url="\x00"),
        _line(id="1", tags={"tags": [{"name": "\x00\ud800"}]}),
    ],
    ids=[
        "nul-body",
        "nul-subject",
        "surrogate-body",
        "bad-author",
        "long-id",
        "nul-id",
        "long-state",
        "nul-url",
        "bad-tag",
    ],
)
def test_each_hostile_value_alone(line: bytes, database_url: str, tmp_path: Path, analyzer: Any) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(line + b"\n" + _line(id="2") + b"\n")
    config = load_settings(database_url=database_url, source="files", source_path=path, classifier="none")
    record = service.start_run(config, window=EVERYTHING, batch_size=10, analyzer=analyzer)
    assert record.status is RunStatus.COMPLETED, record.error
    assert record.counts.listed == 2
    assert record.counts.stored + record.counts.skipped == 2
    with service.open_store(config).read() as conn:
        stored = set(conn.execute(sa.text("SELECT id FROM conversations")).scalars())
    assert "2" in stored


def _normalised_line(**overrides: Any) -> bytes:
    from convosift.domain import Conversation

    record = Conversation(
        id="n1", created_at=1_750_000_000, updated_at=1_750_000_100, opener="The export button does nothing"
    ).model_dump(mode="json", exclude={"raw"})
    record.update(overrides)
    return json.dumps(record).encode()


@pytest.mark.parametrize(
    "line",
    [
        _normalised_line(opener="a\x00b nothing happens when I click export", subject="\x00"),
        _normalised_line(url="https://app.example/\x00", tags=["\x00\ud800"]),
        _normalised_line(id="n" + "9" * 300),
        _normalised_line(id="n\x00"),
    ],
    ids=["nul-text", "nul-url-and-tag", "long-id", "nul-id"],
)
def test_hostile_values_in_normalised_records(line: bytes, database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(line + b"\n" + _normalised_line(id="n2") + b"\n")
    config = load_settings(database_url=database_url, source="files", source_path=path, classifier="none")
    record = service.start_run(config, window=EVERYTHING, batch_size=10)
    assert record.status is RunStatus.COMPLETED, record.error
    assert record.counts.listed == 2 and record.counts.stored + record.counts.skipped == 2
    with service.open_store(config).read() as conn:
        texts = dict(conn.execute(sa.text("SELECT id, customer_text FROM conversations")).all())
    assert "n2" in texts and all("\x00" not in text for text in texts.values())
