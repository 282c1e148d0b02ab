"""The files source over JSONL and Intercom JSON exports written to a temporary folder."""

from __future__ import annotations

import itertools
import json
import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from convosift.config import load_settings
from convosift.domain import Conversation, Page, Skipped, Window
from convosift.errors import ConfigurationError, InvalidCursorError, SourceFatalError
from convosift.mock.inbox import generate_inbox, write_inbox
from convosift.sources.base import Source
from convosift.sources.files import FileSource
from convosift.sources.intercom.normalize import normalize_conversation

EVERYTHING = Window(since=0, until=2**31)


@pytest.fixture(scope="module")
def payloads() -> list[dict[str, Any]]:
    return [item.conversation for item in generate_inbox(60, seed=5, now=1_750_000_000)]


async def read_pages(
    source: FileSource, window: Window = EVERYTHING, cursor: str | None = None
) -> list[Page]:
    return [page async for page in source.pages(window, cursor)]


async def read_all(source: FileSource, window: Window = EVERYTHING) -> list[Conversation | Skipped]:
    results: list[Conversation | Skipped] = []
    async for page in source.pages(window):
        results += await source.details([item.id for item in page.items])
    return results


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


async def test_a_hand_written_export_is_read_with_its_own_fields_kept_aside(tmp_path: Path) -> None:
    """What another tool writes: fields of its own, ISO times, messages without ids or types."""
    record = {
        "id": "z-1",
        "created_at": "2026-05-01T09:30:00Z",
        "updated_at": "2026-05-02T10:00:00+02:00",
        "opener": "My parcel never arrived.",
        "customer_email": "ana@example.com",
        "priority": "high",
        "messages": [
            {"author_type": "admin", "body": "Sorry, checking now.", "channel": "chat"},
            {"author_type": "user", "body": "Any news?", "created_at": "2026-05-02 07:59:00"},
        ],
    }
    typo = {"id": "z-2", "created_at": 1_777_000_000, "updated_at": "not a time", "opener": "Hi"}
    numbered = {"id": 77, "created_at": 1_777_000_000, "updated_at": 1_777_000_000, "opener": "Hi"}
    padded = {**numbered, "id": " z-3 ", "state": "s" * 40, "author_type": "a" * 40, "contact_id": "c" * 200}
    timeless = {"id": "z-4", "updated_at": 1_777_000_000, "opener": "Hi"}
    path = write_jsonl(tmp_path / "export.jsonl", [record, typo, numbered, padded, timeless])
    [read, broken, numbered_read, padded_read, no_time] = await read_all(FileSource(path))
    # An integer id is read as its digits; a string id as written (rows stored before match it).
    assert (numbered_read.id, padded_read.id) == ("77", " z-3 ")
    # Longer than the store's columns (PostgreSQL refused the batch): left out, as for Intercom.
    assert isinstance(padded_read, Conversation)
    assert (padded_read.state, padded_read.author_type, padded_read.contact_id) == (None, "unknown", None)
    assert isinstance(no_time, Skipped) and "created_at: Field required" in no_time.detail
    assert isinstance(read, Conversation)
    assert (read.created_at, read.updated_at) == (1_777_627_800, 1_777_708_800)
    assert read.raw == {"customer_email": "ana@example.com", "priority": "high"}
    assert [(m.id, m.part_type, m.created_at) for m in read.messages] == [
        ("z-1:1", "comment", None),
        ("z-1:2", "comment", 1_777_708_740),
    ]
    assert read.customer_text == "My parcel never arrived.\nAny news?"
    assert isinstance(broken, Skipped) and broken.reason == "malformed"
    assert "updated_at: 'not a time' is neither UNIX seconds nor an ISO 8601 time" in broken.detail


async def test_a_record_updated_after_now_is_reported_not_hidden(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Local times written as UTC put a file's newest hours after now: outside the window, said."""
    now = int(time.time())
    records = [
        {"id": f"t-{i}", "created_at": now - 86_400, "updated_at": now + offset, "opener": "Refund please"}
        for i, offset in enumerate((-60, 3 * 3600, 4 * 3600))
    ]
    source = FileSource(write_jsonl(tmp_path / "ahead.jsonl", records))
    read = await read_all(source, Window(since=now - 7 * 86_400, until=now))
    assert [r.id for r in read] == ["t-0"]
    err = capsys.readouterr().err
    assert err.count("files_source_future_records") == 1 and "t-1" in err


async def test_reads_the_generated_intercom_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "inbox.jsonl"
    write_inbox(path, generate_inbox(40, seed=3, now=1_750_000_000))
    source = FileSource(path, page_size=7)
    assert isinstance(source, Source) and source.name == "files"
    results = await read_all(source)
    expected = [normalize_conversation(json.loads(line)) for line in path.read_text().splitlines()]
    assert results == expected


async def test_reads_the_normalised_shape(tmp_path: Path, payloads: list[dict[str, Any]]) -> None:
    conversations = [normalize_conversation(payload) for payload in payloads]
    path = write_jsonl(tmp_path / "normalised.jsonl", [c.model_dump(mode="json") for c in conversations])
    assert await read_all(FileSource(path, page_size=9)) == conversations


@pytest.mark.parametrize("layout", ["list", "conversation.list", "pretty conversation.list"])
async def test_reads_intercom_json_documents(
    tmp_path: Path, payloads: list[dict[str, Any]], layout: str
) -> None:
    document: Any = payloads
    if layout != "list":
        document = {
            "type": "conversation.list",
            "pages": {"type": "pages"},
            "conversations": payloads,
            "total_count": len(payloads),
        }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document, indent=2 if layout.startswith("pretty") else None))
    results = await read_all(FileSource(path, page_size=11))
    assert results == [normalize_conversation(payload) for payload in payloads]


async def test_reads_a_single_conversation_document(tmp_path: Path, payloads: list[dict[str, Any]]) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(payloads[0], indent=2))
    assert await read_all(FileSource(path)) == [normalize_conversation(payloads[0])]


async def test_bad_lines_are_skipped_with_their_line_number(
    tmp_path: Path, payloads: list[dict[str, Any]]
) -> None:
    missing_created = {**payloads[1], "created_at": None}
    path = write_jsonl(
        tmp_path / "broken.jsonl",
        [payloads[0], '{"id": "x", "created_', missing_created, "[1, 2]", "", payloads[2]],
    )
    results = await read_all(FileSource(path))
    assert [type(r).__name__ for r in results] == [
        "Conversation",
        "Skipped",
        "Skipped",
        "Skipped",
        "Conversation",
    ]
    broken_json, no_created, not_object = results[1], results[2], results[3]
    assert isinstance(broken_json, Skipped) and broken_json.id == "line:2" and "line 2" in broken_json.detail
    assert isinstance(no_created, Skipped) and no_created.id == payloads[1]["id"]
    assert (
        no_created.reason == "malformed"
        and "line 3" in no_created.detail
        and "created_at" in no_created.detail
    )
    assert isinstance(not_object, Skipped) and not_object.id == "line:4"


async def test_a_string_cut_by_a_line_break_or_a_tab_is_named_as_such(tmp_path: Path) -> None:
    head = '{"id": "a", "created_at": 1777000000, "updated_at": 1777000000, "opener": "My card was '
    path = tmp_path / "cut.jsonl"
    # "é" takes two bytes: the parser's position counts characters.
    path.write_text(head + "déc\n" + head.replace("My", "Mé") + 'de\tclined"}\n', encoding="utf-8")
    cut, tab = await read_all(FileSource(path))
    assert (
        isinstance(cut, Skipped)
        and "a line break inside a string" in cut.detail
        and " at at " not in cut.detail
    )
    assert isinstance(tab, Skipped) and "a tab inside a string" in tab.detail


async def test_a_comma_after_the_last_conversation_of_a_list_adds_no_record(tmp_path: Path) -> None:
    records = [
        {"id": name, "created_at": 1_777_000_000, "updated_at": 1_777_000_000, "opener": "Card declined"}
        for name in "ab"
    ]
    path = tmp_path / "export.json"
    path.write_text("[" + ",\n".join(json.dumps(r) for r in records) + ",\n]\n", encoding="utf-8")
    results = await read_all(FileSource(path))
    assert [(type(r).__name__, r.id) for r in results] == [("Conversation", "a"), ("Conversation", "b")]


async def test_windows_and_stable_cursors(tmp_path: Path, payloads: list[dict[str, Any]]) -> None:
    path = write_jsonl(tmp_path / "inbox.jsonl", payloads)
    updated = sorted(p["updated_at"] for p in payloads)
    window = Window(since=updated[10], until=updated[50])
    source = FileSource(path, page_size=6)
    pages = await read_pages(source, window)
    ids = [item.id for page in pages for item in page.items]
    assert sorted(ids) == sorted(p["id"] for p in payloads if window.since <= p["updated_at"] < window.until)
    assert all(len(page.items) == 6 for page in pages[:-1]) and pages[-1].next_cursor is None
    assert all(a.next_cursor == b.cursor for a, b in itertools.pairwise(pages))
    resumed = await read_pages(FileSource(path, page_size=6), window, pages[3].cursor)
    assert resumed == pages[3:]


async def test_details_of_an_earlier_page_are_found_by_scanning(
    tmp_path: Path, payloads: list[dict[str, Any]]
) -> None:
    path = write_jsonl(tmp_path / "inbox.jsonl", payloads)
    source = FileSource(path, page_size=5)
    await read_pages(source)
    results = await source.details([payloads[0]["id"], "nope", payloads[-1]["id"]])
    assert isinstance(results[0], Conversation) and results[0].id == payloads[0]["id"]
    assert results[1] == Skipped(id="nope", reason="gone", detail="not in inbox.jsonl")
    assert isinstance(results[2], Conversation)


async def test_details_answer_for_what_the_listing_forgets_while_the_file_is_scanned(
    tmp_path: Path, payloads: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listing goes on in another thread while details scans the file for an id it does not
    remember; the ids it did remember when asked must not come back "gone"."""
    path = write_jsonl(tmp_path / "inbox.jsonl", payloads)
    source = FileSource(path, page_size=5)
    (first, *_) = await read_pages(source)
    scan = source._scan_for

    def scan_while_the_listing_forgets(wanted: set[str]) -> dict[str, Any]:
        source._remember([])  # the lock is free: the listing may run now
        with source._lock:
            source._recent.clear()
        return scan(wanted)

    monkeypatch.setattr(source, "_scan_for", scan_while_the_listing_forgets)
    ids = [first.items[0].id, first.items[1].id, "nope"]
    results = await source.details(ids)
    assert [type(r) for r in results] == [Conversation, Conversation, Skipped]
    assert [r.id for r in results[:2]] == ids[:2]


async def test_a_bad_cursor_is_a_clear_error_and_a_broken_document_says_where_it_breaks(
    tmp_path: Path, payloads: list[dict[str, Any]]
) -> None:
    path = write_jsonl(tmp_path / "inbox.jsonl", payloads[:3])
    with pytest.raises(InvalidCursorError):
        await read_pages(FileSource(path), cursor="page:2")
    # An object whose keys are not strings: nothing after the break can be placed, and it says so.
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  42: "not an export"\n}')
    (result,) = await read_all(FileSource(broken))
    assert isinstance(result, Skipped) and result.reason == "malformed"
    assert "the rest of the file cannot be read" in result.detail


async def test_a_file_with_no_json_is_refused_and_broken_lines_among_records_are_skipped(
    tmp_path: Path,
) -> None:
    """A CSV given by mistake was read line by line, every line skipped, run after run."""
    notes = tmp_path / "notes.csv"
    notes.write_text("id,name,text\n1,Ana Diaz,hello\n")
    with pytest.raises(
        SourceFatalError, match="does not look like JSON or JSONL: its first lines are comma-separated"
    ) as refused:
        await read_all(FileSource(notes))
    assert "id,name" not in str(refused.value)  # the shape, never the file's content
    page = tmp_path / "page.html"
    page.write_text("<html><body>Export</body></html>\n")
    with pytest.raises(SourceFatalError, match="its first lines are markup"):
        await read_all(FileSource(page))
    mixed = tmp_path / "mixed.jsonl"
    record = {"id": "m-1", "created_at": 1_777_000_000, "updated_at": 1_777_000_000, "opener": "Hi"}
    mixed.write_text("exported by tool x\n" + json.dumps(record) + "\n")
    results = await read_all(FileSource(mixed))
    assert [(r.id, type(r).__name__) for r in results] == [("line:1", "Skipped"), ("m-1", "Conversation")]


async def test_html_bodies_of_a_normalised_record_are_read_as_text(tmp_path: Path) -> None:
    """Help desks other than Intercom export HTML bodies; plain text stays as written."""
    record = {
        "id": "h-1",
        "created_at": 1_777_000_000,
        "updated_at": 1_777_000_000,
        "opener": "<p>Hello,</p><p>I need a copy of my <b>proof of insurance</b> &amp; my card&#39;s number</p>",
        "messages": [
            {"author_type": "customer", "body": "Any news? 2 < 3 and a<b"},
            {"author_type": "admin", "body": "<div>Sent!</div>"},
        ],
    }
    [read] = await read_all(FileSource(write_jsonl(tmp_path / "export.jsonl", [record])))
    assert isinstance(read, Conversation)
    assert read.opener == "Hello,\nI need a copy of my proof of insurance & my card's number"
    assert [m.body for m in read.messages] == ["Any news? 2 < 3 and a<b", "Sent!"]
    # "customer" is what other help desks call the customer: their messages are the customer's words.
    assert read.customer_text.endswith("Any news? 2 < 3 and a<b")
    assert read.raw == {}


async def test_a_document_cut_short_gives_every_record_before_the_cut_and_says_so(
    tmp_path: Path, payloads: list[dict[str, Any]]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(payloads[:3])[:-40])
    results = await read_all(FileSource(broken))
    assert [r.id for r in results[:2]] == [str(p["id"]) for p in payloads[:2]]
    assert all(isinstance(r, Conversation) for r in results[:2])
    assert len(results) == 3 and isinstance(results[2], Skipped)
    assert results[2].reason == "malformed" and "ends inside a record" in results[2].detail


def test_missing_file_and_missing_setting_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        FileSource(tmp_path / "nope.jsonl")
    with pytest.raises(ConfigurationError, match="CONVOSIFT_SOURCE_PATH"):
        FileSource.from_settings(load_settings())
    path = write_jsonl(tmp_path / "ok.jsonl", [])
    assert FileSource.from_settings(load_settings(source_path=path, intercom_per_page=12)).page_size == 12


def test_a_pipe_or_a_device_is_not_taken_for_a_missing_file(tmp_path: Path) -> None:
    """They were refused as files that "do not exist", which sent a user looking in the wrong place."""
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(ConfigurationError, match="is not a regular file"):
            FileSource(path)


@pytest.mark.parametrize("suffix", ["jsonl", "json"])
async def test_memory_stays_bounded_on_a_large_export(
    tmp_path: Path, payloads: list[dict[str, Any]], suffix: str
) -> None:
    path = tmp_path / f"large.{suffix}"
    padding = "x" * 8_000
    with path.open("w") as out:
        out.write("" if suffix == "jsonl" else "[")
        for n in range(1_500):
            payload = {**payloads[n % len(payloads)], "id": str(n), "custom_attributes": {"note": padding}}
            separator = "\n" if suffix == "jsonl" else ("," if n < 1_499 else "]")
            out.write(json.dumps(payload) + separator)
    size = path.stat().st_size
    source = FileSource(path, page_size=25)
    count = 0
    tracemalloc.start()
    try:
        async for page in source.pages(EVERYTHING):
            count += len(await source.details([item.id for item in page.items]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 1_500
    # Holding the export would take more than its size; a few pages take a fraction of it.
    assert peak < size / 2, (peak, size)


async def test_a_wrong_typed_or_null_optional_field_keeps_the_conversation(tmp_path: Path) -> None:
    """One optional field written another way no longer costs the whole conversation."""
    base = {"created_at": 1_777_000_000, "updated_at": 1_777_000_000, "opener": "My parcel never arrived."}
    nulls = dict.fromkeys(
        ("subject", "url", "state", "contact_id", "delivered_as", "author_type", "tags", "messages"), None
    )
    records = [
        {**base, "id": "one-tag", "tags": "delivery"},
        {**base, "id": "tag-list", "tags": ["delivery", 3, {"name": "refund"}, None, "delivery"]},
        {**base, "id": "number-tags", "tags": 5},
        {**base, "id": "object-tags", "tags": {"priority": "high"}},
        {**base, "id": "null-opener", "opener": None, "subject": "Parcel"},
        {**base, "id": "nulls", **nulls, "parts_count": None, "parts_truncated": None},
    ]
    path = write_jsonl(tmp_path / "export.jsonl", records)
    read = {result.id: result for result in await read_all(FileSource(path))}
    assert all(isinstance(result, Conversation) for result in read.values()), read
    conversations = {key: result for key, result in read.items() if isinstance(result, Conversation)}
    assert {key: c.tags for key, c in conversations.items()} == {
        "one-tag": ("delivery",),
        "tag-list": ("delivery", "refund"),
        "number-tags": (),
        "object-tags": (),
        "null-opener": (),
        "nulls": (),
    }
    assert (conversations["null-opener"].opener, conversations["null-opener"].subject) == ("", "Parcel")
    nulled = conversations["nulls"]
    assert (nulled.subject, nulled.url, nulled.state, nulled.contact_id, nulled.delivered_as) == (None,) * 5
    assert (nulled.author_type, nulled.messages, nulled.parts_count) == ("user", (), 0)
    assert nulled.customer_text == "My parcel never arrived."


async def test_messages_without_an_author_are_said_once_per_file_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key misnamed in every record ("author") leaves every follow-up out of the analysis: said."""
    records = [
        {
            "id": f"a-{i}",
            "created_at": 1_777_000_000,
            "updated_at": 1_777_000_000 + i,
            "opener": "My parcel never arrived.",
            "messages": [{"author": "customer", "body": "Any news on my parcel?"}],
        }
        for i in range(3)
    ]
    read = await read_all(FileSource(write_jsonl(tmp_path / "authorless.jsonl", records)))
    assert [r.customer_text for r in read if isinstance(r, Conversation)] == ["My parcel never arrived."] * 3
    err = capsys.readouterr().err
    assert err.count("files_source_messages_without_author") == 1 and "a-0" in err
    # One record among others, at the start of a later page, is said too.
    mixed = [{**r, "messages": [{"author_type": "user", "body": "Any news?"}]} for r in records]
    mixed[1] = records[1]
    await read_all(FileSource(write_jsonl(tmp_path / "mixed.jsonl", mixed), page_size=1))
    err = capsys.readouterr().err
    assert err.count("files_source_messages_without_author") == 1 and "a-1" in err
    # Messages with their authors: nothing to say.
    fine = [{**r, "messages": [{"author_type": "user", "body": "Any news?"}]} for r in records]
    await read_all(FileSource(write_jsonl(tmp_path / "fine.jsonl", fine)))
    assert "files_source_messages_without_author" not in capsys.readouterr().err


async def test_a_message_by_no_known_author_is_kept_but_not_read_as_the_customers(tmp_path: Path) -> None:
    """Who wrote it cannot be guessed: an agent's reply taken for the customer's would be analysed."""
    record = {
        "id": "m-1",
        "created_at": 1_777_000_000,
        "updated_at": 1_777_000_000,
        "opener": "My parcel never arrived.",
        "messages": [
            {"body": "Sorry, checking now."},
            {"author_type": None, "body": "It left our warehouse."},
            {"author_type": "user", "body": "Any news?", "id": None, "part_type": None},
        ],
    }
    [read] = await read_all(FileSource(write_jsonl(tmp_path / "export.jsonl", [record])))
    assert isinstance(read, Conversation)
    assert [(m.id, m.part_type, m.author_type) for m in read.messages] == [
        ("m-1:1", "comment", "unknown"),
        ("m-1:2", "comment", "unknown"),
        ("m-1:3", "comment", "user"),
    ]
    assert read.customer_text == "My parcel never arrived.\nAny news?"


@pytest.mark.parametrize("shape", ["normalised", "intercom"])
async def test_fractional_unix_seconds_are_rounded_down(tmp_path: Path, shape: str) -> None:
    if shape == "normalised":
        record: dict[str, Any] = {
            "id": "f-1",
            "created_at": 1_796_608_218.5,
            "updated_at": 1_796_608_300.999,
            "opener": "Refund please",
            "messages": [{"author_type": "user", "body": "Any news?", "created_at": 1_796_608_250.25}],
        }
    else:
        record = {
            "type": "conversation",
            "id": "f-1",
            "created_at": 1_796_608_218.5,
            "updated_at": 1_796_608_300.999,
            "source": {"body": "Refund please", "author": {"type": "user"}},
            "conversation_parts": {
                "conversation_parts": [
                    {"body": "Any news?", "author": {"type": "user"}, "created_at": 1_796_608_250.25}
                ]
            },
        }
    [read] = await read_all(FileSource(write_jsonl(tmp_path / "export.jsonl", [record])))
    assert isinstance(read, Conversation), read
    assert (read.created_at, read.updated_at) == (1_796_608_218, 1_796_608_300)
    assert [m.created_at for m in read.messages] == [1_796_608_250]


async def test_what_cannot_be_read_is_said_in_the_words_of_json(tmp_path: Path) -> None:
    """Values shown as written (a number unquoted), types named as JSON names them: never a tuple."""
    base = {"created_at": 1_777_000_000, "updated_at": 1_777_000_000, "opener": "Hi"}
    records = [
        {**base, "id": "subject", "subject": 5},
        {**base, "id": "messages", "messages": "Any news?"},
        {**base, "id": "count", "parts_count": 2.5},
        {**base, "id": "body", "messages": [{"author_type": "user", "body": None}]},
        {**base, "id": "message", "messages": ["Any news?"]},
        {**base, "id": "date", "created_at": {"$date": 1_796_608_218}},
        {**base, "id": "early", "created_at": 12.5},
    ]
    path = write_jsonl(tmp_path / "export.jsonl", records)
    read = {result.id: result for result in await read_all(FileSource(path))}
    details = {key: result.detail for key, result in read.items() if isinstance(result, Skipped)}
    assert details == {
        "subject": "line 1: subject: should be a string, got 5",
        "messages": "line 2: messages: should be a list, got 'Any news?'",
        "count": "line 3: parts_count: should be a whole number, got 2.5",
        "body": "line 4: messages.0.body: should be a string, got null",
        "message": "line 5: messages.0: should be an object, got 'Any news?'",
        "date": 'line 6: created_at: {"$date": 1796608218} is neither UNIX seconds nor an ISO 8601 time'
        " (2026-05-01T09:30:00Z)",
        "early": "line 7: 'created_at' 12.5 is outside 1990-2100 (UNIX seconds)",
    }


@pytest.mark.parametrize("shape", ["normalised", "intercom"])
@pytest.mark.parametrize(
    ("conversation_id", "said"),
    [
        ("c" * 200, "it is 200 characters long, at most 128 are allowed"),
        (10**150, "it is 151 characters long, at most 128 are allowed"),
        ("  ", "it is empty"),
        ([1042], "a string or an integer is required, got a list"),
    ],
    ids=["long-text", "long-number", "blank", "list"],
)
async def test_an_unusable_id_says_what_is_wrong_with_it(
    tmp_path: Path, shape: str, conversation_id: Any, said: str
) -> None:
    record: dict[str, Any] = {"id": conversation_id, "created_at": 1_777_000_000, "updated_at": 1_777_000_000}
    record |= (
        {"opener": "Hi"} if shape == "normalised" else {"type": "conversation", "source": {"body": "Hi"}}
    )
    [read] = await read_all(FileSource(write_jsonl(tmp_path / "export.jsonl", [record])))
    assert isinstance(read, Skipped) and (read.id, read.reason) == ("line:1", "malformed")
    assert read.detail.startswith("line 1: ") and read.detail.endswith(f"no usable 'id': {said}")


async def test_author_and_part_types_are_read_whatever_their_case_and_a_numbered_message_is_kept(
    tmp_path: Path,
) -> None:
    """Exports write "User" and "Admin" as often as "user": the customer's follow-up is the
    customer's whatever the case, and a message numbered 7 is message "7"."""
    record = {
        "id": "k-1",
        "created_at": 1_777_000_000,
        "updated_at": 1_777_000_000,
        "opener": "My card was declined at the shop",
        "author_type": "User",
        "messages": [
            {"id": 7, "author_type": "Admin", "body": "Checking now."},
            {"author_type": " USER ", "part_type": "Comment", "body": "Still declined today."},
        ],
    }
    [read] = await read_all(FileSource(write_jsonl(tmp_path / "export.jsonl", [record])))
    assert isinstance(read, Conversation)
    assert read.author_type == "user"
    assert [(m.id, m.author_type, m.part_type) for m in read.messages] == [
        ("7", "admin", "comment"),
        ("k-1:2", "user", "comment"),
    ]
    assert read.customer_text == "My card was declined at the shop\nStill declined today."
