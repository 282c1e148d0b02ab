"""HTTP/1.1 framing for the keep-alive transport: request heads out, responses in.

A client of one JSON API needs little of HTTP/1.1: write a request head and body, read a status
line, header lines and a body framed by ``Content-Length``, by chunks, or by the end of the
connection. A general state machine (h11) cost about 65 µs of interpreter time per exchange on
this work, measured in isolation, and three times that inside a backfill; reading the same bytes
with the few rules below costs about 5 µs. What a server sends is still checked: a malformed
status line, header line, length or chunk is a :class:`httpx.RemoteProtocolError`, a response
head over :data:`MAX_HEAD_BYTES` too, and a response cut short by the server's close is an error
rather than a short body. A body longer than the caller's limit is :class:`BodyTooLarge`, found
before it is held in memory (from its ``Content-Length``, or as its chunks or bytes arrive). A
request that would put a line break or NUL in its head is refused
before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

import httpx

MAX_HEAD_BYTES = 64 * 1024
"""The largest response head (status line and headers) read before giving up on the server."""
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: [^\r\n]*)?")
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_UNSAFE = re.compile(rb"[\r\n\0]")
_CHUNK_SIZE = re.compile(rb"0*([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?")

Headers = list[tuple[bytes, bytes]]


class BodyTooLarge(httpx.RemoteProtocolError):
    """A response body over the reader's limit; the rest of it is never read. ``status`` and
    ``headers`` are the response's, so an error status is still read as one."""

    def __init__(self, limit: int, status: int = 200, headers: Headers | None = None) -> None:
        super().__init__(f"the response body is over {limit:,} bytes")
        self.limit = limit
        self.status = status
        self.headers: Headers = headers or []


Fill = Callable[[], Awaitable[bool]]
"""Reads more of the response into the buffer; False at the end of the connection."""


def request_head(method: str, target: bytes, headers: Sequence[tuple[bytes, bytes]], body: bytes) -> bytes:
    """The bytes of a request's line and headers. The body is sent whole, so it is framed by its
    ``Content-Length`` (any framing header of the caller's is replaced)."""
    if not _TOKEN.fullmatch(method.encode("ascii", "replace")) or not target or re.search(rb"[\s\0]", target):
        raise httpx.LocalProtocolError(f"cannot send a request line for {method} {target!r}")
    parts = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        if not _TOKEN.fullmatch(name) or _UNSAFE.search(value):
            raise httpx.LocalProtocolError(
                f"refusing to send the header {name!r}: it would break the request"
            )
        if name.lower() not in (b"content-length", b"transfer-encoding"):
            parts += [name, b": ", value, b"\r\n"]
    if body or method in ("POST", "PUT", "PATCH"):
        parts.append(b"Content-Length: %d\r\n" % len(body))
    parts.append(b"\r\n")
    return b"".join(parts)


class ResponseReader:
    """Reads one response at a time from a connection's ``buffer``, which ``fill`` extends."""

    def __init__(self, buffer: bytearray, fill: Fill, max_body: int | None = None) -> None:
        self.buffer = buffer
        self._fill = fill
        self._max_body = max_body
        self._status: int = 200
        self._headers: Headers = []

    async def read(self, method: str) -> tuple[int, Headers, bytes, bool]:
        """Status, headers, body and whether the connection can carry another request."""
        while True:
            status, headers, http11 = _parse_head(await self._head())
            if status == 101:
                raise httpx.RemoteProtocolError(
                    "the server switched protocols, which this client never asks for"
                )
            # Informational answers (103 Early Hints, a stray 100 Continue) precede the real one.
            if not 100 <= status < 200:
                break
        values = _values(headers)
        self._status, self._headers = status, headers
        reusable = http11 and b"close" not in values.get(b"connection", b"").lower()
        if method == "HEAD" or status in (204, 304):
            body = b""
        elif b"transfer-encoding" in values:
            if values[b"transfer-encoding"].strip().lower() != b"chunked":
                coding = values[b"transfer-encoding"][:40]
                raise httpx.RemoteProtocolError(f"unsupported Transfer-Encoding in the response: {coding!r}")
            body = await self._chunked()
        elif b"content-length" in values:
            length = _content_length(values[b"content-length"])
            self._check(length)
            body = await self._exactly(length)
        else:
            body, reusable = await self._until_closed(), False
        # Bytes nobody asked for would be read as the next response: do not reuse.
        return status, headers, body, reusable and not self.buffer

    async def _head(self) -> bytes:
        buffer = self.buffer
        searched = 0
        while True:
            end = _head_end(buffer, searched)
            if end >= 0:
                head = bytes(buffer[:end])
                del buffer[:end]
                return head
            if len(buffer) > MAX_HEAD_BYTES:
                raise httpx.RemoteProtocolError(f"the response head is over {MAX_HEAD_BYTES} bytes")
            searched = max(0, len(buffer) - 3)
            if not await self._fill():
                if not buffer:
                    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
                raise httpx.RemoteProtocolError("the server closed the connection within a response head")

    def _check(self, size: int) -> None:
        if self._max_body is not None and size > self._max_body:
            raise BodyTooLarge(self._max_body, self._status, self._headers)

    async def _exactly(self, size: int) -> bytes:
        buffer = self.buffer
        while len(buffer) < size:
            if not await self._fill():
                raise httpx.RemoteProtocolError("the server closed the connection before the response ended")
        body = bytes(buffer[:size])
        del buffer[:size]
        return body

    async def _line(self) -> bytes:
        buffer = self.buffer
        while (end := buffer.find(b"\n")) < 0:
            if len(buffer) > MAX_HEAD_BYTES:
                raise httpx.RemoteProtocolError("a chunk line of the response is too long")
            if not await self._fill():
                raise httpx.RemoteProtocolError("the server closed the connection before the response ended")
        line = bytes(buffer[:end]).rstrip(b"\r")
        del buffer[: end + 1]
        return line

    async def _chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            found = _CHUNK_SIZE.fullmatch(await self._line())
            if found is None:
                raise httpx.RemoteProtocolError("malformed chunk size in the response")
            size = int(found.group(1), 16)
            if size == 0:
                trailers = 0
                while line := await self._line():  # trailer fields, up to the empty line
                    trailers += len(line)
                    if trailers > MAX_HEAD_BYTES:
                        raise httpx.RemoteProtocolError(
                            f"the response trailers are over {MAX_HEAD_BYTES} bytes"
                        )
                return b"".join(chunks)
            total += size
            self._check(total)
            chunks.append(await self._exactly(size))
            if await self._line():
                raise httpx.RemoteProtocolError("a chunk of the response is longer than its size")

    async def _until_closed(self) -> bytes:
        self._check(len(self.buffer))
        while await self._fill():
            self._check(len(self.buffer))
        body = bytes(self.buffer)
        self.buffer.clear()
        return body


def _head_end(buffer: bytearray, start: int) -> int:
    """Where the head ends (after its blank line, CRLF or a bare LF as lenient parsers accept), or -1."""
    found = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n", b"\n\r\n") if (i := buffer.find(sep, start)) >= 0]
    return min(found, default=-1)


def _parse_head(head: bytes) -> tuple[int, Headers, bool]:
    lines = head.split(b"\n")
    status = _STATUS_LINE.fullmatch(lines[0].rstrip(b"\r"))
    if status is None:
        raise httpx.RemoteProtocolError(f"malformed status line in the response: {lines[0][:80]!r}")
    headers: Headers = []
    for raw in lines[1:]:
        line = raw.rstrip(b"\r")
        if not line:
            continue
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise httpx.RemoteProtocolError(f"malformed header line in the response: {line[:80]!r}")
        headers.append((name, value.strip(b" \t")))
    return int(status.group(2)), headers, status.group(1) == b"1"


def _values(headers: Headers) -> dict[bytes, bytes]:
    """Each header's values joined with commas, by lower-case name."""
    joined: dict[bytes, bytes] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = joined[key] + b", " + value if key in joined else value
    return joined


def _content_length(value: bytes) -> int:
    lengths = {part.strip() for part in value.split(b",")}
    if len(lengths) != 1 or not (length := lengths.pop()).isdigit() or len(length.lstrip(b"0")) > 18:
        raise httpx.RemoteProtocolError(f"invalid Content-Length in the response: {value[:40]!r}")
    return int(length)
