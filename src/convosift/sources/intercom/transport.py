"""A lean HTTP/1.1 keep-alive transport for httpx, for the one API host a source talks to.

httpx's default transport (httpcore over anyio) spends most of a request's CPU time managing its
pool: every request and every response re-examines every connection (quadratic in their number),
and asking whether an idle connection was closed by the server costs two system calls through
anyio. Measured against the local server, that is about 1 ms of CPU per request at 8 requests in
flight and 3 ms at 32, against well under 0.1 ms for the HTTP exchange itself: on a small machine
the client, not the server or the network, was what limited a backfill, and raising the
concurrency made it slower.

This transport keeps httpx's client above it (request building, headers, decoding, and proxies
from the environment, which httpx mounts on transports of its own) and the HTTP/1.1 framing of
:mod:`~convosift.sources.intercom.http1` below it, and replaces the pool with a stack of idle
asyncio connections: a request takes the most recently used one that the server has not closed,
or opens a new one. It serves plain ``http`` and ``https`` (TLS from the standard library), one
request per connection at a time, and raises the httpx exception the default transport would
raise for each failure. A request may carry a body limit in its :data:`MAX_BODY` extension: a
longer response is :class:`~convosift.sources.intercom.http1.BodyTooLarge` before it is read.
The body is handed to httpx in slices, so a compressed one is decoded a slice at a time and its
reader can stop early.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator

import httpx

from convosift.sources.intercom.http1 import Headers, ResponseReader, request_head

_READ_SIZE = 64 * 1024
Timeouts = dict[str, float | None]
MAX_BODY = "convosift.max_body"
"""Request extension: the longest response body, in bytes, read for that request."""


class _Slices(httpx.AsyncByteStream):
    """A body already read, handed on :data:`_READ_SIZE` bytes at a time."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        view = memoryview(self._body)
        for start in range(0, len(view), _READ_SIZE):
            yield bytes(view[start : start + _READ_SIZE])


class _Connection:
    """One keep-alive connection: its streams, what was read of the next response, and when it
    last finished a response."""

    __slots__ = ("buffer", "idle_since", "reader", "reusable_after", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.buffer = bytearray()
        self.idle_since = 0.0
        self.reusable_after = False

    def reusable(self, now: float, expiry: float) -> bool:
        """Fresh enough, and the server has not closed it (an idle HTTP/1.1 server never writes)."""
        return now - self.idle_since < expiry and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class KeepAliveTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive and at most ``max_connections`` connections, over asyncio streams."""

    def __init__(
        self,
        *,
        max_connections: int,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._ssl_context = ssl_context
        self._idle: list[_Connection] = []
        # Connections and the gate belong to the event loop that made them: see _bind.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gate = asyncio.Semaphore(max_connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: Timeouts = request.extensions.get("timeout", {})
        self._bind()
        gate = self._gate
        if gate.locked():
            try:
                async with asyncio.timeout(timeouts.get("pool")):
                    await gate.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("no connection to the server became free in time") from None
        else:
            await gate.acquire()
        try:
            connection = self._reuse() or await self._connect(request.url, timeouts.get("connect"))
            try:
                status, headers, body = await self._exchange(connection, request, timeouts)
            except BaseException:
                connection.close()
                raise
            self._release(connection)
        finally:
            gate.release()
        stream = httpx.ByteStream(body) if len(body) <= _READ_SIZE else _Slices(body)
        return httpx.Response(
            status, headers=headers, stream=stream, extensions={"http_version": b"HTTP/1.1"}
        )

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _bind(self) -> None:
        """Start afresh in a new event loop: the previous loop's connections cannot be used in it."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._idle = []
            self._gate = asyncio.Semaphore(self._max_connections)

    def _reuse(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if connection.reusable(now, self._keepalive_expiry):
                return connection
            connection.close()
        return None

    def _release(self, connection: _Connection) -> None:
        if connection.reusable_after:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:  # the server asked to close, or framed the body by closing
            connection.close()

    async def _connect(self, url: httpx.URL, timeout: float | None) -> _Connection:
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url.scheme}://'.")
        tls = url.scheme == "https"
        port = url.port or (443 if tls else 80)
        context = (self._ssl_context or httpx.create_ssl_context()) if tls else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    url.host, port, ssl=context, server_hostname=url.host if tls else None, limit=_READ_SIZE
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {url.host}:{port} timed out") from None
        except OSError as exc:  # ssl.SSLError is an OSError too
            raise httpx.ConnectError(f"cannot connect to {url.host}:{port}: {exc}") from None
        return _Connection(reader, writer)

    async def _exchange(
        self, connection: _Connection, request: httpx.Request, timeouts: Timeouts
    ) -> tuple[int, Headers, bytes]:
        body = await request.aread()
        data = request_head(request.method, request.url.raw_path, request.headers.raw, body) + body
        writer = connection.writer
        try:
            writer.write(data)
            if writer.transport.get_write_buffer_size():
                async with asyncio.timeout(timeouts.get("write")):
                    await writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("sending the request timed out") from None
        except OSError as exc:
            raise httpx.WriteError(f"sending the request failed: {exc}") from None
        read_timeout = timeouts.get("read")
        reader = connection.reader

        async def fill() -> bool:
            try:
                async with asyncio.timeout(read_timeout):
                    data = await reader.read(_READ_SIZE)
            except TimeoutError:
                raise httpx.ReadTimeout("the server did not answer in time") from None
            except OSError as exc:
                raise httpx.ReadError(f"reading the response failed: {exc}") from None
            connection.buffer += data
            return bool(data)

        response_reader = ResponseReader(connection.buffer, fill, request.extensions.get(MAX_BODY))
        status, headers, content, reusable = await response_reader.read(request.method)
        # A request that asked to close its connection does not get it back either.
        connection.reusable_after = (
            reusable and b"close" not in request.headers.get("connection", "").lower().encode()
        )
        return status, headers, content
