"""An answer's body, read and decoded within a limit, so one huge answer cannot exhaust memory.

httpx inflates a compressed body a chunk at a time with no bound on what one chunk gives: 64 KiB
of gzip can inflate to 64 MiB, and a body compressed twice (``Content-Encoding: gzip, gzip``)
to far more. Here the body is read raw and inflated with zlib's ``max_length``, so no more than
the limit (plus one byte, to see it passed) is ever produced. The raw bytes count against the
limit too (bytes after the end of a compressed stream inflate to nothing and would otherwise pile
up), and a compressed stream must end where the body does: cut short or followed by more bytes,
it is a :class:`httpx.DecodingError`. The encodings asked for (``gzip``, ``deflate``) are read;
any other is :class:`UnsupportedEncoding`, which no retry mends.

Of an error status's page only the first :data:`ERROR_BODY_BYTES` are kept: the status says what
happened, and the page only adds detail.
"""

from __future__ import annotations

import zlib

import httpx

from convosift.sources.intercom.http1 import BodyTooLarge

ERROR_BODY_BYTES = 64 << 10
"""Bytes of an error status's page kept for its detail."""
_ENCODINGS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


class UnsupportedEncoding(httpx.DecodingError):
    """A ``Content-Encoding`` other than the ones asked for (a body compressed twice, say)."""


class _Inflater:
    """zlib's decompressor for ``gzip`` or ``deflate`` (with its zlib wrapper or without, as
    servers send both)."""

    def __init__(self, encoding: str) -> None:
        self._raw_fallback = encoding == "deflate"
        self._engine = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._started = False

    def inflate(self, data: bytes, room: int) -> tuple[bytes, bytes]:
        """At most ``room`` bytes inflated from ``data``, and the part of ``data`` not yet read."""
        try:
            out = self._engine.decompress(data, room)
        except zlib.error as exc:
            if self._started or not self._raw_fallback:
                raise httpx.DecodingError(f"the response body cannot be inflated: {exc}") from None
            self._raw_fallback = False
            self._engine = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.inflate(data, room)
        self._started = True
        return out, self._engine.unconsumed_tail

    def flush(self) -> bytes:
        """What is left; the stream must have ended, with nothing after it."""
        try:
            rest = self._engine.flush()
        except zlib.error as exc:
            raise httpx.DecodingError(f"the response body cannot be inflated: {exc}") from None
        self.check_end()
        if not self._engine.eof:
            raise httpx.DecodingError("the compressed response body is cut short")
        return rest

    def check_end(self) -> None:
        if self._engine.unused_data:
            raise httpx.DecodingError("bytes follow the end of the compressed response body")


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The body of ``response``, decoded. A success over ``limit`` bytes is :class:`BodyTooLarge`;
    an error status's page is cut at :data:`ERROR_BODY_BYTES`."""
    failed = not 200 <= response.status_code < 300
    cap = min(limit, ERROR_BODY_BYTES) if failed else limit
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", *_ENCODINGS):
        raise UnsupportedEncoding(f"unsupported Content-Encoding in the response: {encoding[:40]!r}")
    inflater = _Inflater(_ENCODINGS[encoding]) if encoding in _ENCODINGS else None
    parts: list[bytes] = []
    size = 0
    raw_size = 0

    def took(part: bytes) -> bool:
        """Keeps ``part``; False once the cap is passed."""
        nonlocal size
        size += len(part)
        if size > cap:
            if not failed:
                raise BodyTooLarge(limit, response.status_code, list(response.headers.raw))
            parts.append(part[: len(part) - (size - cap)])
            return False
        parts.append(part)
        return True

    stream = response.stream
    if not isinstance(stream, httpx.AsyncByteStream):
        raise TypeError("an asynchronous transport's response was expected")
    # The stream itself, not ``aiter_raw``: a response built with its content (a test's transport)
    # counts as read already, and its stream still holds the bytes as sent.
    async for raw in stream:
        if inflater is None:
            if not took(raw):
                break
            continue
        raw_size += len(raw)
        if raw_size > limit:
            raise BodyTooLarge(limit, response.status_code, list(response.headers.raw))
        data = raw
        while data:
            out, data = inflater.inflate(data, cap - size + 1)
            if not took(out):
                return b"".join(parts)
        inflater.check_end()
    else:
        if inflater is not None:
            took(inflater.flush())
    return b"".join(parts)
