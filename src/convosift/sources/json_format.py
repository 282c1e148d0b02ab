"""Which shape an export file has: JSONL or one JSON document, and whether it is a JSON export at all.

Decided from the first lines, without reading a long line whole. A compressed, UTF-16 or non-JSON
file (a CSV, an HTML page) is refused with :class:`~convosift.errors.SourceFatalError` before any
record is read: read as JSONL, every line of it would be skipped as malformed, run after run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

from convosift.errors import SourceFatalError
from convosift.sources.json_reader import CHUNK as _CHUNK
from convosift.sources.json_reader import skip_line


def looks_like_jsonl(path: Path) -> bool:
    """JSONL unless the file is one JSON document (a list, pretty-printed, or a conversation list).

    Decided from the first lines without reading a long line whole: a first line too long to look
    at is JSONL when more lines follow it, and one document when it is the whole file. Lines ended by
    a carriage return alone are read as a stream of JSON values (by lines: one broken record).
    """
    with path.open("rb") as handle:
        head = handle.read(_CHUNK)
    if b"\r" in head.strip() and b"\n" not in head:
        _check_encoding(head, path)
        return False
    return _looks_like_jsonl(path, head)


def _looks_like_jsonl(path: Path, head: bytes) -> bool:
    """``head``: the file's first :data:`_CHUNK` bytes, already read."""
    _check_encoding(head, path)
    _check_json(head, path)
    with path.open("rb") as handle:
        first = _next_line(handle)
        if first is None:
            return True  # empty or blank: nothing to read either way
        first = first.removeprefix(UTF8_BOM)
        stripped = first.strip()
        if not first.endswith(b"\n") and len(first) > _CHUNK:
            # Too long to look at: a list's first line, or one JSONL record among others.
            skip_line(handle)
            return not stripped.startswith(b"[") and _next_line(handle) is not None
        if stripped.startswith(b"["):
            # A list, unless its first line is a whole value with more lines after it.
            return _parses(first) and _next_line(handle) is not None
        if stripped == b"{":
            return False  # a pretty-printed document
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError):
            # A broken first record of a JSONL file, or the first line of a document that starts
            # on the same line as its "{": the second line tells which.
            if not stripped.startswith(b"{") or stripped.endswith(b"}"):
                return True  # a whole record on its line, broken: JSONL
            second = _next_line(handle)
            if second is None:
                return True
            if _parses(second):
                # A broken record then a whole one, or a document holding one value per line
                # (a conversation list of one): a small file that parses whole is a document.
                return not _parses_whole(path, too_large=False)
            # Neither line is whole: a pretty-printed document, or broken records of a JSONL
            # file. A document small enough to parse here settles it; one that does not parse is
            # read line by line, so that the readable records after a broken one are not lost.
            return not _parses_whole(path, too_large=True)
        return not (isinstance(value, dict) and value.get("type") == "conversation.list")


_PROBE_BYTES = 8 << 20
"""The largest file whose format is settled by parsing it whole, when its first lines cannot."""


def _parses_whole(path: Path, *, too_large: bool) -> bool:
    """Whether the file is one valid JSON document; ``too_large`` is the answer for a file larger
    than :data:`_PROBE_BYTES`, which is not read to check."""
    if path.stat().st_size > _PROBE_BYTES:
        return too_large
    try:
        json.loads(path.read_bytes().removeprefix(UTF8_BOM))
    except RecursionError:
        return True  # a valid document may nest deeper than the parser goes: keep it whole
    except ValueError:
        return False
    return True


UTF8_BOM = b"\xef\xbb\xbf"
"""The byte-order mark some editors and Windows tools put at the start of a UTF-8 file."""
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ARCHIVES = (
    (b"\x1f\x8b", "gzip-compressed", "gzip -dc"),
    (b"PK\x03\x04", "a zip archive", "unzip -p"),
    (b"BZh", "bzip2-compressed", "bzip2 -dc"),
    (b"\xfd7zXZ", "xz-compressed", "xz -dc"),
    (b"(\xb5/\xfd", "zstd-compressed", "zstd -dc"),
)


def _check_encoding(head: bytes, path: Path) -> None:
    """Refuse a file that starts with a UTF-16 byte-order mark (what Windows tools save as
    "Unicode"), or a compressed one: read as UTF-8 text, every record of it would break."""
    for magic, kind, command in _ARCHIVES:
        if head.startswith(magic):
            raise SourceFatalError(
                f"{path.name} is {kind}; conversation files are read as plain UTF-8 text",
                hint=f"unpack it first, e.g. {command} {path.name} > converted.jsonl",
            )
    if head.startswith(_UTF16_BOMS):
        raise SourceFatalError(
            f"{path.name} is UTF-16 encoded; conversation files are read as UTF-8",
            hint=f"convert it first, e.g. iconv -f UTF-16 -t UTF-8 {path.name} > converted.jsonl",
        )


_FIRST_LINES = 20
"""Lines looked at for a sign of JSON before a file is refused as another format."""


def _check_json(head: bytes, path: Path) -> None:
    """Refuse a file none of whose first lines starts a JSON value (a CSV, a text or HTML export):
    every record of it would be skipped as malformed, run after run. A JSONL file with some broken
    lines among its records is still read, line by line."""
    lines = [line.strip() for line in head.removeprefix(UTF8_BOM).splitlines() if line.strip()]
    looked_at = lines[:_FIRST_LINES] if len(head) < _CHUNK else lines[: min(_FIRST_LINES, len(lines) - 1)]
    if looked_at and not any(line.startswith((b"{", b"[")) for line in looked_at):
        # The shape, not the content: the first line may be a customer's name and address.
        first = looked_at[0]
        try:
            head.decode("utf-8")
            binary = b"\x00" in head
        except UnicodeDecodeError:
            binary = len(head) < _CHUNK  # a chunk may end inside a character
        shape = (
            "binary"
            if binary
            else "markup (HTML or XML)"
            if first.startswith(b"<")
            else "comma-separated"
            if first.count(b",") >= 2
            else "tab-separated"
            if b"\t" in first
            else "text"
        )
        raise SourceFatalError(
            f"{path.name} does not look like JSON or JSONL: its first lines are {shape}",
            hint="the files source reads JSONL (one conversation per line) or one JSON document; "
            "see docs/backfill.md for the shape of a record",
        )


def _next_line(handle: BinaryIO) -> bytes | None:
    """The next non-blank line, at most one chunk of it."""
    while True:
        line = handle.readline(_CHUNK + 1)
        if not line:
            return None
        if line.strip():
            return line
        if not line.endswith(b"\n"):
            skip_line(handle)


def _parses(line: bytes) -> bool:
    if not line.endswith(b"\n") and len(line) > _CHUNK:
        return True  # a long record line: JSONL
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


# --- JSON documents ------------------------------------------------------------------------------
