"""Reading the records of an export one at a time, whatever a single record holds.

An export is written by other programs and edited by people, so any one record may be broken:
invalid JSON, nested thousands of levels deep, or far larger than a conversation can be. Each of
these is reported as an :class:`Unreadable` record and reading goes on with the next one. A record
over the size cap is stepped over without being held in memory, so memory stays bounded by the cap
whatever the file holds.

Two shapes are read: JSONL, one record per line, and a JSON document (a list, a conversation, or a
``conversation.list`` object), streamed element by element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, NoReturn

from convosift.errors import SourceFatalError
from convosift.sources import json_values

DEFAULT_MAX_RECORD_BYTES = 5 << 20
"""A conversation's JSON, with its 500 most recent parts, is rarely over a few hundred KiB."""
MAX_DEPTH = 64
"""Intercom's conversation JSON nests about 6 levels; far deeper is not a conversation."""
CHUNK = 1 << 16
"""Bytes read at a time (and looked at to tell a file's shape)."""
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_END = re.compile(r'["\\]')
_SCALAR_END = re.compile(r"[,\]}\s{]")
"""Where a broken scalar ends: a separator, a closing bracket, or the start of an object ("x{...}":
the junk ends where the conversation begins, so the conversation is read whole)."""
# How close to the end of what has been read a syntax error may be and still be a record cut at
# the buffer's end (a literal like "false" split in two) rather than broken JSON.
_CUT_MARGIN = 16


@dataclass(frozen=True)
class Unreadable:
    """A record that could not be read: its reason code and what was wrong."""

    reason: str
    detail: str


def too_large(size: int, cap: int) -> Unreadable:
    return Unreadable(
        "too_large",
        f"{size:,} bytes of JSON, over the cap of {cap:,} (CONVOSIFT_MAX_RECORD_BYTES)",
    )


def decode_record(text: bytes | str, cap: int) -> Any:
    """One record's JSON as Python values, or :class:`Unreadable` with the reason."""
    if len(text) > cap:
        return too_large(len(text), cap)
    try:
        value = json_values.loads(text)
    except RecursionError:
        return Unreadable("too_deep", f"nested deeper than {MAX_DEPTH} levels")
    except json.JSONDecodeError as exc:
        # Its own line and column would mislead beside the record's place in the file.
        return Unreadable(
            "malformed", f"invalid JSON: {_problem(exc)} at character {exc.pos + 1} of the record"
        )
    except ValueError as exc:  # UnicodeDecodeError, an integer of too many digits, NaN, 1e400
        return Unreadable("malformed", f"invalid JSON ({exc})")
    if nesting_exceeds(value, MAX_DEPTH):
        return Unreadable("too_deep", f"nested deeper than {MAX_DEPTH} levels")
    return value


def _problem(exc: json.JSONDecodeError) -> str:
    """The parser's message in words a user can act on ("Invalid control character at" names no
    problem a person sees: mostly a line break or a tab inside a string)."""
    message = exc.msg.removesuffix(" at")
    if message == "Invalid control character":
        # The position counts characters of the decoded document, not bytes of the line.
        found = exc.doc[exc.pos : exc.pos + 1]
        if found in ("\n", "\r"):
            return "a line break inside a string (a record cut short, or split over lines)"
        if found == "\t":
            return "a tab inside a string (write it as \\t)"
    return message


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether lists and objects nest deeper than ``limit``, found without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


# --- JSONL ---------------------------------------------------------------------------------------


def jsonl_lines(handle: BinaryIO, cap: int) -> Iterator[tuple[int, bytes | Unreadable]]:
    """``(line index, line)`` for each line; a line over ``cap`` comes as :class:`Unreadable`
    after being read past in chunks, never held whole."""
    position = 0
    while True:
        line = handle.readline(cap + 1)
        if not line:
            return
        if len(line) > cap and not line.endswith(b"\n"):
            yield position, too_large(len(line) + skip_line(handle), cap)
        else:
            yield position, line
        position += 1


def skip_line(handle: BinaryIO) -> int:
    """Read past the rest of the current line; the number of bytes read."""
    skipped = 0
    while True:
        chunk = handle.readline(CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def document_records(handle: IO[str], path: Path, cap: int) -> Iterator[tuple[Any, int]]:
    """Conversations of a JSON document, streamed element by element when it holds a list.

    Each comes with its size in characters, as a decoded value or :class:`Unreadable`. A file that
    does not start with an object or a list is no export and fails with :class:`SourceFatalError`.
    A document cut short ends with an :class:`Unreadable` record that says so, after every record
    before the cut. Values after the first document are read as more records, so that nothing in
    the file goes unread.
    """
    stream = JsonStream(handle, path)
    if stream.peek() not in ("[", "{"):
        stream.fail("expected a conversation, a list or a conversation.list object")
    try:
        while ahead := stream.peek():
            if ahead == "[":
                yield from stream.array(cap)
            elif ahead == "{":
                yield from _object_records(stream, cap)
            else:
                start = stream.position
                yield stream.element(cap), stream.position - start
    except _BrokenDocument as exc:
        yield Unreadable("malformed", f"{exc}; the rest of the file cannot be read"), 0


class _BrokenDocument(Exception):
    """The document's own structure (not one record) is broken: nothing after it can be placed."""


def _object_records(stream: JsonStream, cap: int) -> Iterator[tuple[Any, int]]:
    """One conversation, or the conversations of a ``conversation.list`` object."""
    start = stream.position
    stream.take("{")
    fields: dict[str, Any] = {}
    listed = False
    problem: Unreadable | None = None
    while (ahead := stream.peek()) != "}":
        if not ahead:
            problem = problem or stream.cut_short()
            break
        key = stream.value()
        if not isinstance(key, str):
            stream.broken("object keys must be strings")
        stream.take(":")
        if key == "conversations" and stream.peek() == "[":
            listed = True
            yield from stream.array(cap)
        else:
            value = stream.element(cap)
            if isinstance(value, Unreadable):
                problem = problem or value
            elif not problem:
                fields[key] = value
            if stream.position - start > cap and not problem:
                problem, fields = too_large(stream.position - start, cap), {}
        if stream.peek() == ",":
            stream.take(",")
    if ahead == "}":
        stream.take("}")
    if not listed:
        yield problem or fields, stream.position - start


class JsonStream:
    """Just enough of an incremental JSON reader to stream the elements of a large array."""

    def __init__(self, handle: IO[str], path: Path) -> None:
        self._handle = handle
        self._path = path
        self._buffer = ""
        self._pos = 0
        self._consumed = 0
        self._eof = False
        self._ended_inside = False
        self._decoder = json_values.decoder()

    @property
    def position(self) -> int:
        """Characters read past so far."""
        return self._consumed + self._pos

    def peek(self) -> str:
        while True:
            while self._pos < len(self._buffer) and self._buffer[self._pos].isspace():
                self._pos += 1
            if self._pos < len(self._buffer) or not self._fill(CHUNK):
                return self._buffer[self._pos : self._pos + 1]

    def take(self, char: str) -> None:
        if self.peek() != char:
            self.broken(f"expected '{char}'")
        self._pos += 1

    def value(self) -> Any:
        """The next value, for the document's own structure (keys): any problem is fatal."""
        item = self.element(CHUNK)
        if isinstance(item, Unreadable):
            self.broken(item.detail)
        return item

    def element(self, cap: int) -> Any:
        """The next value, or :class:`Unreadable` after stepping over it."""
        self.peek()
        start = self.position
        while True:
            try:
                item, end = self._decoder.raw_decode(self._buffer, self._pos)
            except RecursionError:
                self._skip_value()
                return Unreadable("too_deep", f"nested deeper than {MAX_DEPTH} levels")
            except json.JSONDecodeError as exc:
                unterminated = exc.msg.startswith("Unterminated string")
                if unterminated or exc.pos >= len(self._buffer) - _CUT_MARGIN:
                    # Probably cut at the buffer's end: read as much again (amortised linear) and
                    # retry, unless the record is already over the cap.
                    if len(self._buffer) - self._pos > cap:
                        return self._over_cap(start, cap)
                    if self._fill(max(CHUNK, len(self._buffer) - self._pos)):
                        continue
                    if unterminated or exc.pos >= len(self._buffer.rstrip()):
                        self._pos = len(self._buffer)
                        self._ended_inside = True
                        return self.cut_short()
                self._step_over()
                return Unreadable("malformed", f"invalid JSON near character {start}: {exc.msg}")
            except ValueError as exc:  # NaN or Infinity, an integer of too many digits
                self._step_over()
                return Unreadable("malformed", f"invalid JSON near character {start}: {exc}")
            if end == len(self._buffer) and self._fill(CHUNK):
                continue  # a number may go on in the next chunk
            if end - self._pos > cap:
                self._pos = end
                return too_large(self.position - start, cap)
            self._pos = end
            if nesting_exceeds(item, MAX_DEPTH):
                return Unreadable("too_deep", f"nested deeper than {MAX_DEPTH} levels")
            return item

    def array(self, cap: int) -> Iterator[tuple[Any, int]]:
        """``(element, characters)`` for each element of the list that starts here; after a break,
        one record that says so."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            start = self.position
            item = self.element(cap)
            yield item, self.position - start
            ahead = self.peek()
            if ahead == "]":
                self._pos += 1
                return
            if not ahead:
                if not self._ended_inside:
                    yield self.cut_short(), 0
                return
            if ahead == "{":
                continue  # a comma missing, or junk stuck to the next conversation: it is read whole
            if ahead != ",":
                yield self._broken(f"expected ',' or ']', found {ahead!r}"), 0
                return
            self._pos += 1
            if self.peek() == "]":
                self._pos += 1  # a comma after the last element, as hand-edited files have: no record
                return

    def cut_short(self) -> Unreadable:
        return Unreadable("malformed", f"the file ends inside a record, after character {self.position}")

    def broken(self, problem: str) -> NoReturn:
        raise _BrokenDocument(f"not valid JSON near character {self.position}: {problem}")

    def fail(self, problem: str) -> NoReturn:
        raise SourceFatalError(
            f"{self._path.name} is not valid JSON near character {self.position}: {problem}",
            hint="export the conversations again, or convert the file to JSONL (one conversation per line)",
        )

    def _broken(self, problem: str) -> Unreadable:
        return Unreadable(
            "malformed",
            f"{self._path.name} is not valid JSON near character {self.position} ({problem}); "
            "the list ends here and what follows is read as more records",
        )

    def _over_cap(self, start: int, cap: int) -> Unreadable:
        self._skip_value()
        return too_large(self.position - start, cap)

    def _step_over(self) -> None:
        """Step over a value that does not parse, by at least one character.

        A stray ``,`` ``]`` ``}`` or ``:`` where a value should start is where a scalar ends:
        stepping over "the value" there would not move, and reading on from the same place would
        report the same broken record for ever.
        """
        before = self.position
        self._skip_value()
        if self.position == before and self.peek():
            self._pos += 1

    def _skip_value(self) -> int:
        """Step over the value that starts here, reading on in chunks and holding none of it.

        Tolerant: it follows strings and brackets only, so broken JSON is stepped over too.
        """
        start = self.position
        if self.peek() not in ('"', "[", "{"):
            return self._skip_scalar(start)
        depth, in_string, pos = 0, False, self._pos
        while True:
            found = (_STRING_END if in_string else _STRUCTURE).search(self._buffer, pos)
            if found is None:
                pos = len(self._buffer)
            elif in_string and found.group() == "\\":
                if found.end() < len(self._buffer):
                    pos = found.end() + 1
                    continue
                pos = found.start()  # the escaped character is in the next chunk
            else:
                pos = found.end()
                char = found.group()
                if char == '"':
                    in_string = not in_string
                    if in_string or depth > 0:
                        continue
                    self._pos = pos
                    return self.position - start
                if char in "[{":
                    depth += 1
                    continue
                depth -= 1
                if depth <= 0:
                    self._pos = pos
                    return self.position - start
                continue
            self._pos = pos
            if not self._fill(CHUNK):
                return self.position - start
            pos = self._pos

    def _skip_scalar(self, start: int) -> int:
        while True:
            found = _SCALAR_END.search(self._buffer, self._pos)
            if found is not None:
                self._pos = found.start()
                return self.position - start
            self._pos = len(self._buffer)
            if not self._fill(CHUNK):
                return self.position - start

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
