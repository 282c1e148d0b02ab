"""Conversations from a file: JSONL (one per line) or the JSON the Intercom API returns.

JSONL lines may hold the normalised shape (``Conversation`` as JSON) or Intercom's conversation
JSON; each line is detected on its own. A JSON document may be one conversation, a list of them,
or a ``conversation.list`` object. Files are streamed: memory holds the page being read and a few
recent pages for :meth:`FileSource.details`, never the whole export.

Cursors are stable positions, ``offset:N``: the line (JSONL) or list element (JSON) where the page
starts, so a resumed run reads the same pages. A line that cannot be read is listed under the id
``line:N`` and comes back from :meth:`FileSource.details` as ``Skipped(reason="malformed")``.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

from pydantic import ValidationError

from convosift.config import Settings
from convosift.domain import Conversation, ListedItem, Page, Skipped, Window
from convosift.errors import ConfigurationError, InvalidCursorError, SkippableRecordError, SourceFatalError
from convosift.sources.base import DetailResult
from convosift.sources.intercom.html import strip_invalid
from convosift.sources.intercom.normalize import normalize_conversation, record_id, timestamp

DEFAULT_PAGE_SIZE = 150
_CURSOR_PREFIX = "offset:"
_CHUNK = 1 << 16
_LONGEST_JSONL_LINE = 8 << 20
_INTERCOM_KEYS = ("source", "conversation_parts", "statistics", "contacts", "conversation_message")


@dataclass(frozen=True)
class _Record:
    position: int
    result: DetailResult


class FileSource:
    """:class:`~convosift.sources.base.Source` over a JSONL or Intercom JSON export."""

    name = "files"

    def __init__(self, path: Path | str, *, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise ConfigurationError(
                f"conversation file {self.path} does not exist", hint="check CONVOSIFT_SOURCE_PATH"
            )
        if page_size < 1:
            raise ConfigurationError(f"page size must be at least 1, got {page_size}")
        self.page_size = page_size
        self._recent: OrderedDict[str, DetailResult] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> FileSource:
        if settings.source_path is None:
            raise ConfigurationError("the files source needs a file", hint="set CONVOSIFT_SOURCE_PATH")
        return cls(settings.source_path, page_size=settings.intercom_per_page)

    async def pages(self, window: Window, cursor: str | None = None) -> AsyncIterator[Page]:
        records = _read_records(self.path, start=parse_cursor(cursor))
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
        missing = {conversation_id for conversation_id in ids if conversation_id not in self._recent}
        found = await asyncio.to_thread(self._scan_for, missing) if missing else {}
        results: list[DetailResult] = []
        for conversation_id in ids:
            result = self._recent.get(conversation_id, found.get(conversation_id))
            if result is None:
                result = Skipped(id=conversation_id, reason="gone", detail=f"not in {self.path.name}")
            results.append(result)
        return results

    async def aclose(self) -> None:
        self._recent.clear()

    def _take_page(
        self, records: Iterator[_Record], window: Window, pending: list[_Record]
    ) -> tuple[list[_Record], list[_Record]]:
        """The next page's records in the window, and the first record of the page after it."""
        taken = list(pending)
        for record in records:
            if not _in_window(record.result, window):
                continue
            if len(taken) == self.page_size:
                self._remember(taken)
                return taken, [record]
            taken.append(record)
        self._remember(taken)
        return taken, []

    def _remember(self, records: list[_Record]) -> None:
        # The pipeline asks for details of the page it just listed (and of the one before when a
        # batch spans pages): keeping a few pages avoids re-reading the file.
        for record in records:
            self._recent[record.result.id] = record.result
            self._recent.move_to_end(record.result.id)
        while len(self._recent) > 4 * self.page_size:
            self._recent.popitem(last=False)

    def _scan_for(self, wanted: set[str]) -> dict[str, DetailResult]:
        found: dict[str, DetailResult] = {}
        records = _read_records(self.path, start=0)
        try:
            for record in records:
                if record.result.id in wanted:
                    found[record.result.id] = record.result
                    if len(found) == len(wanted):
                        break
        finally:
            records.close()
        return found


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


def _read_records(path: Path, *, start: int) -> Generator[_Record, None, None]:
    """Every record of the file from position ``start``, in file order."""
    if _is_jsonl(path):
        yield from _jsonl_records(path, start)
        return
    with path.open(encoding="utf-8", errors="replace") as handle:
        for position, item in enumerate(_json_document_items(_JsonStream(handle, path))):
            if position >= start:
                result = to_result(item, f"item {position + 1}", fallback_id=f"item:{position + 1}")
                yield _Record(position, result)


def _is_jsonl(path: Path) -> bool:
    """JSONL unless the file is one JSON document (pretty-printed, a list, or a conversation list)."""
    with path.open("rb") as handle:
        if handle.read(_CHUNK).lstrip().startswith(b"["):
            return False
        handle.seek(0)
        first_line = handle.readline(_LONGEST_JSONL_LINE + 1)
    if len(first_line) > _LONGEST_JSONL_LINE:
        return False  # no conversation is this long: a whole document written on one line
    first_line = first_line.strip()
    if not first_line:
        return True
    try:
        first = json.loads(first_line)
    except ValueError:
        # A pretty-printed document starts with a lone "{"; anything else is a broken first line.
        return first_line != b"{"
    return not (isinstance(first, Mapping) and first.get("type") == "conversation.list")


def _jsonl_records(path: Path, start: int) -> Generator[_Record, None, None]:
    with path.open("rb") as handle:
        for position, raw in enumerate(handle):
            if position < start or not raw.strip():
                continue
            where = f"line {position + 1}"
            try:
                item = json.loads(raw)
            except ValueError as exc:
                yield _Record(position, _malformed(f"line:{position + 1}", f"{where}: invalid JSON ({exc})"))
                continue
            yield _Record(position, to_result(item, where, fallback_id=f"line:{position + 1}"))


def to_result(item: Any, where: str, *, fallback_id: str) -> DetailResult:
    """One record of an export as a conversation, or as Skipped with the reason and its place."""
    found_id = record_id(item) if isinstance(item, Mapping) else None
    try:
        if isinstance(item, Mapping) and _is_normalised(item):
            if found_id is None:
                raise SkippableRecordError("the conversation has no usable id", reason="malformed")
            return _cleaned(Conversation.model_validate(item))
        return normalize_conversation(item)
    except SkippableRecordError as exc:
        return _malformed(found_id or fallback_id, f"{where}: {exc.message}", item)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        return _malformed(found_id or fallback_id, f"{where}: {problems}", item)


def _is_normalised(item: Mapping[str, Any]) -> bool:
    return item.get("type") != "conversation" and not any(key in item for key in _INTERCOM_KEYS)


def _malformed(record: str, detail: str, item: Any = None) -> Skipped:
    updated_at = timestamp(item.get("updated_at")) if isinstance(item, Mapping) else None
    return Skipped(id=record, reason="malformed", detail=detail[:500], updated_at=updated_at)


def _json_document_items(stream: _JsonStream) -> Iterator[Any]:
    """Conversations of a JSON document, streamed element by element when it holds a list."""
    first = stream.peek()
    if first == "[":
        yield from stream.array()
        return
    if first != "{":
        stream.fail("expected a conversation, a list or a conversation.list object")
    stream.take("{")
    fields: dict[str, Any] = {}
    listed = False
    while stream.peek() != "}":
        key = stream.value()
        if not isinstance(key, str):
            stream.fail("object keys must be strings")
        stream.take(":")
        if key == "conversations" and stream.peek() == "[":
            listed = True
            yield from stream.array()
        else:
            fields[key] = stream.value()
        if stream.peek() == ",":
            stream.take(",")
    if not listed:
        yield fields


class _JsonStream:
    """Just enough of an incremental JSON reader to stream the elements of a large array."""

    def __init__(self, handle: IO[str], path: Path) -> None:
        self._handle = handle
        self._path = path
        self._buffer = ""
        self._pos = 0
        self._consumed = 0
        self._eof = False
        self._decoder = json.JSONDecoder()

    def peek(self) -> str:
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos].isspace():
                self._pos += 1
            if self._pos < len(self._buffer) or not self._fill(_CHUNK):
                return self._buffer[self._pos : self._pos + 1]

    def take(self, char: str) -> None:
        if self.peek() != char:
            self.fail(f"expected '{char}'")
        self._pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                item, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                # Probably cut at the buffer's end: read as much again (amortised linear) and retry.
                if not self._fill(max(_CHUNK, len(self._buffer) - self._pos)):
                    self.fail(exc.msg)
                continue
            if end == len(self._buffer) and self._fill(_CHUNK):
                continue  # a number may go on in the next chunk
            self._pos = end
            return item

    def array(self) -> Iterator[Any]:
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == "]":
                self._pos += 1
                return
            self.take(",")

    def fail(self, problem: str) -> NoReturn:
        raise SourceFatalError(
            f"{self._path.name} is not valid JSON near character {self._consumed + self._pos}: {problem}",
            hint="export the conversations again, or convert the file to JSONL (one conversation per line)",
        )

    def _fill(self, size: int) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(size)
        if not chunk:
            self._eof = True
            return False
        self._consumed += self._pos
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0
        return True


def _cleaned(conversation: Conversation) -> Conversation:
    """A normalised record with the characters a database would reject removed from its text.

    Intercom-shaped records get the same treatment in the normaliser; ``raw`` stays as it was read.
    """
    values = conversation.model_dump(exclude={"raw"})
    return Conversation.model_validate({**_strip_strings(values), "raw": conversation.raw})


def _strip_strings(value: Any) -> Any:
    if isinstance(value, str):
        return strip_invalid(value)
    if isinstance(value, dict):
        return {key: _strip_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strip_strings(item) for item in value]
    return value
