"""Conversations from a file: JSONL (one per line) or the JSON the Intercom API returns.

JSONL lines may hold the normalised shape (``Conversation`` as JSON; fields of its own are kept
in ``raw``, times may be ISO 8601) or Intercom's conversation JSON; each line is detected on its
own. A JSON document may be one conversation, a list of them,
or a ``conversation.list`` object. Files are streamed: memory holds the page being read and a few
recent pages for :meth:`FileSource.details`, never the whole export.

Cursors are stable positions, ``offset:N``: the line (JSONL) or list element (JSON) where the page
starts, so a resumed run reads the same pages. A record that cannot be read (see
:mod:`convosift.sources.json_reader`) is listed under its id, or ``line:N`` / ``item:N`` when it has
none, and comes back from :meth:`FileSource.details` as ``Skipped`` with its reason. When an id
appears twice, :meth:`FileSource.details` gives the newest version it has read.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from convosift.config import Settings
from convosift.domain import Conversation, ListedItem, Message, Page, Skipped, Window, is_sane_timestamp
from convosift.errors import ConfigurationError, InvalidCursorError, SkippableRecordError
from convosift.logs import get_logger
from convosift.sources.base import DetailResult
from convosift.sources.intercom.html import html_to_text, strip_invalid
from convosift.sources.intercom.normalize import (
    MAX_ID_LENGTH,
    MAX_KIND_LENGTH,
    UNKNOWN_AUTHOR,
    id_problem,
    normalize_conversation,
    record_id,
    tag_names,
    timestamp,
)
from convosift.sources.json_format import looks_like_jsonl
from convosift.sources.json_reader import (
    DEFAULT_MAX_RECORD_BYTES,
    Unreadable,
    decode_record,
    document_records,
    jsonl_lines,
)

log = get_logger(__name__)
DEFAULT_PAGE_SIZE = 150
_CURSOR_PREFIX = "offset:"
_RECENT_BYTES = 64 << 20
"""Recent records kept for :meth:`FileSource.details`, by the size of their JSON."""

_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_INTERCOM_KEYS = ("source", "conversation_parts", "statistics", "contacts", "conversation_message")
_CONVERSATION_FIELDS = frozenset(Conversation.model_fields)
_OPTIONAL_FIELDS = frozenset(
    name for name, field in Conversation.model_fields.items() if not field.is_required()
)
_MESSAGE_FIELDS = frozenset(Message.model_fields)
_EXPECTED = {
    "string_type": "a string",
    "tuple_type": "a list",
    "list_type": "a list",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "an object",
    "model_type": "an object",
}
"""What a field holds, by pydantic's error type, in JSON's words (a tuple is a list)."""
_HTML = re.compile(
    r"</?(?:p|br|div|span|b|i|u|strong|em|a|ul|ol|li|table|tbody|tr|td|th|h[1-6]|blockquote|img|font|html|body"
    r"|pre|code|hr|section|article)\b[^<>]{0,500}>|&(?:#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,8});",
    re.IGNORECASE,
)
"""A tag or a character reference: the text is HTML (help desks other than Intercom export HTML bodies)."""


@dataclass(frozen=True)
class _Record:
    position: int
    result: DetailResult
    size: int
    """Bytes (JSONL) or characters (JSON document) of the record's JSON."""


class FileSource:
    """:class:`~convosift.sources.base.Source` over a JSONL or Intercom JSON export."""

    name = "files"

    def __init__(
        self,
        path: Path | str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    ) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise ConfigurationError(
                f"{self.path} is a folder, not a conversation file",
                hint="point CONVOSIFT_SOURCE_PATH at the export file",
            )
        if self.path.exists() and not self.path.is_file():
            # A pipe, a device (/dev/zero would be read for ever) or a socket.
            raise ConfigurationError(
                f"{self.path} is not a regular file", hint="point CONVOSIFT_SOURCE_PATH at the export file"
            )
        if not self.path.is_file():
            raise ConfigurationError(
                f"conversation file {self.path} does not exist", hint="check CONVOSIFT_SOURCE_PATH"
            )
        if page_size < 1:
            raise ConfigurationError(f"page size must be at least 1, got {page_size}")
        if max_record_bytes < 1:
            raise ConfigurationError(f"the record size cap must be at least 1 byte, got {max_record_bytes}")
        self.page_size = page_size
        self.max_record_bytes = max_record_bytes
        self._recent: OrderedDict[str, _Record] = OrderedDict()
        self._recent_bytes = 0
        self._lock = threading.Lock()
        self._future_noted = False
        self._authorless_noted = False

    @classmethod
    def from_settings(cls, settings: Settings) -> FileSource:
        if settings.source_path is None or str(settings.source_path) in ("", "."):
            raise ConfigurationError("the files source needs a file", hint="set CONVOSIFT_SOURCE_PATH")
        return cls(
            settings.source_path,
            page_size=settings.intercom_per_page,
            max_record_bytes=settings.max_record_bytes,
        )

    async def pages(self, window: Window, cursor: str | None = None) -> AsyncIterator[Page]:
        records = _read_records(self.path, start=parse_cursor(cursor), cap=self.max_record_bytes)
        pending: list[_Record] = []
        try:
            while True:
                taken, pending = await asyncio.to_thread(self._take_page, records, window, pending)
                next_cursor = f"{_CURSOR_PREFIX}{pending[0].position}" if pending else None
                yield Page(
                    items=tuple(_listed(record.result, window) for record in taken),
                    cursor=cursor,
                    next_cursor=next_cursor,
                )
                if next_cursor is None:
                    return
                cursor = next_cursor
        finally:
            records.close()

    async def details(self, ids: Sequence[str]) -> list[DetailResult]:
        # What is remembered now is what this call answers from: the listing goes on in another
        # thread and may forget an id while the file is scanned for the others.
        with self._lock:
            known = {i: record.result for i in ids if (record := self._recent.get(i)) is not None}
        missing = {conversation_id for conversation_id in ids if conversation_id not in known}
        found = await asyncio.to_thread(self._scan_for, missing) if missing else {}
        results: list[DetailResult] = []
        for conversation_id in ids:
            result = known.get(conversation_id) or found.get(conversation_id)
            if result is None:
                result = Skipped(id=conversation_id, reason="gone", detail=f"not in {self.path.name}")
            results.append(result)
        return results

    async def aclose(self) -> None:
        with self._lock:
            self._recent.clear()

    def _take_page(
        self, records: Iterator[_Record], window: Window, pending: list[_Record]
    ) -> tuple[list[_Record], list[_Record]]:
        """The next page's records in the window, and the first record of the page after it."""
        taken = list(pending)
        for record in records:
            if not _in_window(record.result, window):
                updated_at = record.result.updated_at
                if updated_at is not None and updated_at >= window.until and updated_at > time.time():
                    self._note_future(record.result.id)
                continue
            if not self._authorless_noted and isinstance(record.result, Conversation):
                self._note_authorless(record.result)  # each record once, as it is read
            if len(taken) == self.page_size:
                self._remember(taken)
                return taken, [record]
            taken.append(record)
        self._remember(taken)
        return taken, []

    def _note_future(self, conversation_id: str) -> None:
        """A record updated after the window and after now: the file's clock, or local time written
        as UTC. Said once per file read, as the run cannot list it (a later sync will)."""
        if not self._future_noted:
            self._future_noted = True
            log.warning(
                "files_source_future_records",
                path=self.path.name,
                first=conversation_id[:80],
                hint="records updated after now are outside the window; a later sync reads them "
                "(are the file's times UTC?)",
            )

    def _note_authorless(self, conversation: Conversation) -> None:
        """A message whose author is unknown is not read as the customer's: said once per file read,
        as a key misnamed in every record ("author" for "author_type") would leave every
        follow-up out of the analysis without a word."""
        if any(m.author_type == UNKNOWN_AUTHOR for m in conversation.messages):
            self._authorless_noted = True
            log.warning(
                "files_source_messages_without_author",
                path=self.path.name,
                first=conversation.id[:80],
                hint="messages without an author (author_type user, admin...; author.type in "
                "Intercom's shape) are stored but not analysed as the customer's words",
            )

    def _remember(self, records: list[_Record]) -> None:
        with self._lock:
            self._remember_locked(records)

    def _remember_locked(self, records: list[_Record]) -> None:
        # The pipeline asks for details of the page it just listed (and of the one before when a
        # batch spans pages): keeping a few pages, within a byte budget, avoids re-reading the file.
        # An id forgotten meanwhile is found by scanning the file (see details).
        for record in records:
            known = self._recent.get(record.result.id)
            if known is not None and _newer(known.result, record.result):
                continue  # an id listed twice: its newest version is the one to fetch
            if known is not None:
                self._recent_bytes -= known.size
            self._recent[record.result.id] = record
            self._recent.move_to_end(record.result.id)
            self._recent_bytes += record.size
        while len(self._recent) > 4 * self.page_size or (
            self._recent_bytes > _RECENT_BYTES and len(self._recent) > len(records)
        ):
            _, dropped = self._recent.popitem(last=False)
            self._recent_bytes -= dropped.size

    def _scan_for(self, wanted: set[str]) -> dict[str, DetailResult]:
        """The newest version in the whole file of each wanted id."""
        found: dict[str, DetailResult] = {}
        records = _read_records(self.path, start=0, cap=self.max_record_bytes)
        try:
            for record in records:
                known = found.get(record.result.id)
                if record.result.id in wanted and (known is None or not _newer(known, record.result)):
                    found[record.result.id] = record.result
        finally:
            records.close()
        return found


def _newer(kept: DetailResult, other: DetailResult) -> bool:
    """Whether ``kept`` is a newer version than ``other`` (a readable one beats an unreadable one)."""
    if not isinstance(kept, Conversation):
        return False
    return not isinstance(other, Conversation) or kept.updated_at > other.updated_at


def parse_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    digits = cursor.removeprefix(_CURSOR_PREFIX)
    if not cursor.startswith(_CURSOR_PREFIX) or not digits.isascii() or not digits.isdigit():
        raise InvalidCursorError(f"'{cursor}' is not a cursor of the files source (expected offset:N)")
    return int(digits)


def _listed(result: DetailResult, window: Window) -> ListedItem:
    if isinstance(result, Conversation):
        return ListedItem(id=result.id, updated_at=result.updated_at, created_at=result.created_at)
    return ListedItem(id=result.id, updated_at=result.updated_at or window.since)


def _in_window(result: DetailResult, window: Window) -> bool:
    # A record that cannot be read is listed in every window, so that it is reported, not lost.
    return result.updated_at is None or window.since <= result.updated_at < window.until


def _read_records(path: Path, *, start: int, cap: int) -> Generator[_Record, None, None]:
    """Every record of the file from position ``start``, in file order."""
    if looks_like_jsonl(path):
        yield from _jsonl_records(path, start, cap)
        return
    # utf-8-sig: a byte-order mark at the start (Windows tools write one) is not part of the JSON.
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for position, (item, size) in enumerate(document_records(handle, path, cap)):
            if position >= start:
                result = to_result(item, f"item {position + 1}", fallback_id=f"item:{position + 1}")
                yield _Record(position, result, size)


def _jsonl_records(path: Path, start: int, cap: int) -> Generator[_Record, None, None]:
    with path.open("rb") as handle:
        for position, line in jsonl_lines(handle, cap):
            if position < start or (isinstance(line, bytes) and not line.strip()):
                continue
            item = decode_record(line, cap) if isinstance(line, bytes) else line
            result = to_result(item, f"line {position + 1}", fallback_id=f"line:{position + 1}")
            yield _Record(position, result, len(line) if isinstance(line, bytes) else 0)


def to_result(item: Any, where: str, *, fallback_id: str) -> DetailResult:
    """One record of an export as a conversation, or as Skipped with the reason and its place."""
    if isinstance(item, Unreadable):
        return Skipped(id=fallback_id, reason=item.reason, detail=f"{where}: {item.detail}"[:500])
    found_id = record_id(item) if isinstance(item, Mapping) else None
    try:
        if isinstance(item, Mapping) and _is_normalised(item):
            if found_id is None:
                problem = id_problem(item.get("id"))
                raise SkippableRecordError(f"conversation has no usable 'id': {problem}", reason="malformed")
            conversation = Conversation.model_validate(_known_fields(item, found_id))
            for field in ("created_at", "updated_at"):
                seconds = getattr(conversation, field)
                if not is_sane_timestamp(seconds):
                    raise SkippableRecordError(
                        f"'{field}' {_as_written(item[field])} is outside 1990-2100 (UNIX seconds)",
                        reason="out_of_range",
                    )
            return _cleaned(conversation)
        return normalize_conversation(item)
    except SkippableRecordError as exc:
        return _malformed(found_id or fallback_id, f"{where}: {exc.message}", item, reason=exc.reason)
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {_said(e)}" for e in errors[:3])
        reason = "out_of_range" if all(e["type"] in _RANGE_ERRORS for e in errors) else "malformed"
        return _malformed(found_id or fallback_id, f"{where}: {problems}", item, reason=reason)


def _said(error: Any) -> str:
    """A validation error in the words of the export: a time that is not one names both forms, and
    a value of the wrong type is shown as written, with the JSON type the field takes."""
    written = _as_written(error.get("input"))
    if error["loc"] and error["loc"][-1] in ("created_at", "updated_at") and error["type"].startswith("int_"):
        return f"{written} is neither UNIX seconds nor an ISO 8601 time (2026-05-01T09:30:00Z)"
    expected = _EXPECTED.get(error["type"])
    return f"should be {expected}, got {written}" if expected else str(error["msg"])


def _as_written(value: Any) -> str:
    """A value as the export wrote it: text quoted, anything else as JSON (12.5, null, [1, 2])."""
    if isinstance(value, str):
        return repr(value[:30])
    return json.dumps(value, ensure_ascii=False, default=str)[:30]


def _known_fields(item: Mapping[str, Any], conversation_id: str) -> dict[str, Any]:
    """A normalised record as :class:`Conversation` reads it.

    An export written by hand or by another tool carries fields of its own (a customer's e-mail,
    a priority): they are kept in ``raw``, not read. An integer id is read as its digits. Times
    may be ISO 8601 text (UTC when it names no offset) or fractional seconds, a message without an
    id or a type is given its place and ``comment``, and one without an author type is by an
    ``unknown`` author. An optional field set to null is absent, tags may be one name, and a value
    longer than the store's column (a state, an author type, a contact id) is left out, as for an
    Intercom-shaped record.
    """
    known = {
        key: value
        for key, value in item.items()
        if key in _CONVERSATION_FIELDS and not (value is None and key in _OPTIONAL_FIELDS)
    }
    extra = {key: value for key, value in item.items() if key not in _CONVERSATION_FIELDS}
    if not isinstance(known.get("id"), str):
        known["id"] = conversation_id  # a string id is kept as written: rows stored before match it
    for field in ("created_at", "updated_at"):
        if field in known:
            known[field] = _seconds(known[field])
    if "tags" in known:
        known["tags"] = tag_names(known["tags"])
    for field, longest in (("state", MAX_KIND_LENGTH), ("contact_id", MAX_ID_LENGTH)):
        if isinstance(known.get(field), str) and len(known[field]) > longest:
            known[field] = None
    if isinstance(known.get("author_type"), str):
        known["author_type"] = _kind(known["author_type"])
        if len(known["author_type"]) > MAX_KIND_LENGTH:
            known["author_type"] = UNKNOWN_AUTHOR
    messages = known.get("messages")
    if isinstance(messages, list | tuple):
        known["messages"] = [
            _known_message(message, f"{conversation_id}:{index + 1}")
            for index, message in enumerate(messages)
        ]
    raw = known.get("raw", {})
    if extra and isinstance(raw, Mapping):
        known["raw"] = {**extra, **raw}
    return known


def _known_message(message: Any, default_id: str) -> Any:
    if not isinstance(message, Mapping):
        return message  # reported as malformed by the model
    # Null is absent, but for the body: a message is its text, and a null one is reported.
    known = {
        key: value
        for key, value in message.items()
        if key in _MESSAGE_FIELDS and (value is not None or key == "body")
    }
    known.setdefault("id", default_id)
    if isinstance(known["id"], int) and not isinstance(known["id"], bool):
        known["id"] = str(known["id"])  # a message numbered 7 is message "7"
    known.setdefault("part_type", "comment")
    known.setdefault("author_type", UNKNOWN_AUTHOR)
    for field in ("part_type", "author_type"):
        if isinstance(known[field], str):
            known[field] = _kind(known[field])
    if "created_at" in known:
        known["created_at"] = _seconds(known["created_at"])
    return known


def _kind(value: str) -> str:
    """An author or part type as the reader compares them: "User" and " user" are "user"."""
    return value.strip().lower()


def _seconds(value: Any) -> Any:
    """UNIX seconds of an ISO 8601 time ("2026-05-01T09:30:00Z") or of fractional seconds (rounded
    down, as for an Intercom-shaped record); any other value as it is."""
    if isinstance(value, float) and math.isfinite(value):
        return math.floor(value)
    if not isinstance(value, str) or len(value) < 10 or value.strip().lstrip("-").isdigit():
        return value
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _is_normalised(item: Mapping[str, Any]) -> bool:
    return item.get("type") != "conversation" and not any(key in item for key in _INTERCOM_KEYS)


def _malformed(record: str, detail: str, item: Any = None, *, reason: str = "malformed") -> Skipped:
    updated_at = timestamp(item.get("updated_at")) if isinstance(item, Mapping) else None
    return Skipped(id=record, reason=reason, detail=detail[:500], updated_at=updated_at)


def _cleaned(conversation: Conversation) -> Conversation:
    """A normalised record with the characters a database would reject removed from its text, and
    its opener and message bodies read as text when they are HTML (``<p>Hello,</p>``, ``&#39;``).

    Intercom-shaped records get the same treatment in the normaliser; ``raw`` stays as it was read.
    """
    values = conversation.model_dump(exclude={"raw"})
    values["opener"] = _as_text(values["opener"])
    for message in values["messages"]:
        message["body"] = _as_text(message["body"])
    return Conversation.model_validate({**_strip_strings(values), "raw": conversation.raw})


def _as_text(body: str) -> str:
    return html_to_text(body) if _HTML.search(body) else body


def _strip_strings(value: Any) -> Any:
    if isinstance(value, str):
        return strip_invalid(value)
    if isinstance(value, dict):
        return {key: _strip_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strip_strings(item) for item in value]
    return value
