"""The keep-alive transport against a scripted HTTP/1.1 server: reuse, framing, closes and failures."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from source_fakes import make_settings

from convosift.domain import Conversation, Skipped
from convosift.sources.intercom import IntercomSource, RetryPolicy
from convosift.sources.intercom.http1 import BodyTooLarge
from convosift.sources.intercom.transport import MAX_BODY, KeepAliveTransport

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class ScriptedServer:
    """Answers each request on a connection with ``script``; counts connections and requests."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.connections = 0
        self.requests: list[bytes] = []
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + await reader.readexactly(length))
                await self.script(reader, writer)
                if writer.is_closing():
                    return
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Script], Awaitable[ScriptedServer]]]:
    servers: list[asyncio.Server] = []

    async def start(script: Script) -> ScriptedServer:
        scripted = ScriptedServer(script)
        server = await asyncio.start_server(scripted.handle, "127.0.0.1", 0)
        servers.append(server)
        scripted.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return scripted

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def respond(body: bytes, *extra: str, status: str = "200 OK") -> Script:
    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        headers = "".join(f"{line}\r\n" for line in extra)
        writer.write(f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body)
        await writer.drain()

    return script


def client(url: str, *, connections: int = 4, timeout: float = 2.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=url, transport=KeepAliveTransport(max_connections=connections), timeout=timeout
    )


async def test_sequential_requests_share_one_connection(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    server = await serve(respond(b'{"ok":true}', "X-RateLimit-Remaining: 9"))
    async with client(server.url) as http:
        responses = [await http.get(f"/conversations/{n}") for n in range(5)]
    assert [r.json() for r in responses] == [{"ok": True}] * 5
    assert responses[0].headers["x-ratelimit-remaining"] == "9"
    assert server.connections == 1
    assert server.requests[3].startswith(b"GET /conversations/3 HTTP/1.1\r\n")


async def test_request_bodies_and_headers_are_sent(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    server = await serve(respond(b"{}"))
    async with client(server.url) as http:
        await http.post("/conversations/search", json={"query": {}}, headers={"Authorization": "Bearer t"})
    request = server.requests[0]
    assert request.startswith(b"POST /conversations/search HTTP/1.1\r\n")
    assert b"\r\nAuthorization: Bearer t\r\n" in request
    assert request.endswith(b'\r\n\r\n{"query":{}}')


async def test_concurrent_requests_stay_within_the_connection_limit(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.02)
        await respond(b"{}")(reader, writer)

    server = await serve(slow)
    async with client(server.url, connections=3) as http:
        await asyncio.gather(*(http.get("/x") for _ in range(12)))
    assert len(server.requests) == 12
    assert server.connections == 3


async def test_chunked_and_compressed_bodies_are_decoded(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    packed = gzip.compress(b'{"type":"conversation"}')

    async def chunked(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        halves = (packed[:10], packed[10:])
        body = b"".join(b"%x\r\n%s\r\n" % (len(h), h) for h in halves) + b"0\r\n\r\n"
        writer.write(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n" + body
        )
        await writer.drain()

    server = await serve(chunked)
    async with client(server.url) as http:
        first, second = await http.get("/a"), await http.get("/b")
    assert first.json() == second.json() == {"type": "conversation"}
    assert server.connections == 1


async def test_a_connection_the_server_closes_is_not_reused(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    async def close_after(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await respond(b"{}", "Connection: close")(reader, writer)
        writer.close()

    server = await serve(close_after)
    async with client(server.url) as http:
        for _ in range(3):
            assert (await http.get("/x")).status_code == 200
    assert server.connections == 3


async def test_an_idle_connection_closed_by_the_server_is_replaced(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    async def answer_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await respond(b"{}")(reader, writer)
        writer.close()  # without announcing it, as a server's keep-alive timeout does

    server = await serve(answer_then_hang_up)
    async with client(server.url) as http:
        await http.get("/x")
        await asyncio.sleep(0.05)  # the close reaches the client while the connection is idle
        assert (await http.get("/x")).status_code == 200
    assert server.connections == 2


def raw(answer: bytes, *, close: bool = False) -> Script:
    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(answer)
        await writer.drain()
        if close:
            writer.close()

    return script


async def _hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def _truncated(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"half":')
    await writer.drain()
    writer.close()


@pytest.mark.parametrize(
    "script",
    [
        _hang_up,
        _truncated,
        raw(b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}", close=True),
        raw(b"SPDY/3 200 OK\r\nContent-Length: 2\r\n\r\n{}", close=True),
        raw(b"HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\n{}", close=True),
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", close=True),
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n{}", close=True),
        raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", close=True),
        raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n", close=True),
        raw(b"HTTP/1.1 200 OK\r\nContent-Length: " + b"1" * 5000 + b"\r\n\r\n{}", close=True),
        raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 40 + b"\r\n{}\r\n0\r\n\r\n",
            close=True,
        ),
        raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", close=True),
        raw(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
            close=True,
        ),
    ],
    ids=[
        "hang-up without an answer",
        "truncated body",
        "status",
        "protocol",
        "header line",
        "two lengths",
        "negative length",
        "chunk size",
        "long chunk",
        "endless length",
        "endless chunk size",
        "other transfer coding",
        "switching protocols",
    ],
)
async def test_a_broken_answer_is_a_protocol_error(
    serve: Callable[[Script], Awaitable[ScriptedServer]], script: Script
) -> None:
    server = await serve(script)
    async with client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/x")


async def test_a_silent_server_times_out_and_its_connection_is_dropped(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    answers = iter([None, b"{}"])

    async def silent_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = next(answers)
        if body is None:
            await asyncio.sleep(1)
        else:
            await respond(body)(reader, writer)

    server = await serve(silent_once)
    async with client(server.url, timeout=0.1) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/x")
        assert (await http.get("/x")).status_code == 200
    assert server.connections == 2


async def test_a_refused_connection_is_a_connect_error() -> None:
    listener = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    async with client(f"http://127.0.0.1:{port}") as http:
        with pytest.raises(httpx.ConnectError):
            await http.get("/x")


async def test_an_unsupported_scheme_is_refused() -> None:
    transport = KeepAliveTransport(max_connections=1)
    with pytest.raises(httpx.UnsupportedProtocol):
        await transport.handle_async_request(httpx.Request("GET", "ftp://example.test/x"))


async def test_a_busy_pool_times_out(serve: Callable[[Script], Awaitable[ScriptedServer]]) -> None:
    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.5)
        await respond(b"{}")(reader, writer)

    server = await serve(slow)
    timeout = httpx.Timeout(2.0, pool=0.05)
    async with httpx.AsyncClient(
        base_url=server.url, transport=KeepAliveTransport(max_connections=1), timeout=timeout
    ) as http:
        first = asyncio.create_task(http.get("/x"))
        await asyncio.sleep(0.01)
        with pytest.raises(httpx.PoolTimeout):
            await http.get("/y")
        assert (await first).status_code == 200


def test_each_event_loop_gets_its_own_connections() -> None:
    """A source used by two ``asyncio.run`` calls must not reuse the first loop's connections."""
    transport = KeepAliveTransport(max_connections=2)
    connections: list[int] = []

    async def one_request() -> int:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(1)
            await reader.readuntil(b"\r\n\r\n")
            await respond(b"{}")(reader, writer)
            await reader.read()  # hold the connection open, as a keep-alive server does

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/x"
        response = await transport.handle_async_request(httpx.Request("GET", url))
        server.close()
        return response.status_code

    assert asyncio.run(one_request()) == 200
    assert asyncio.run(one_request()) == 200
    assert len(connections) == 2


async def test_informational_answers_chunk_extensions_and_trailers_are_read_past(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    answer = (
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5;name=value\r\n{"a":\r\n2\r\n1}\r\n0\r\nX-Trailer: yes\r\n\r\n'
    )
    server = await serve(raw(answer))
    async with client(server.url) as http:
        first, second = await http.get("/a"), await http.get("/b")
    assert first.json() == second.json() == {"a": 1}
    assert server.connections == 1


async def test_a_body_framed_by_the_close_is_read_and_the_connection_not_reused(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    server = await serve(
        raw(b'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"old":1}', close=True)
    )
    async with client(server.url) as http:
        assert (await http.get("/a")).json() == {"old": 1}
        assert (await http.get("/b")).json() == {"old": 1}
    assert server.connections == 2


async def test_no_content_and_bare_line_feeds_are_understood(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    answers = iter(
        [b"HTTP/1.1 204 No Content\r\nX-Id: 1\r\n\r\n", b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}"]
    )

    async def script(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(next(answers))
        await writer.drain()

    server = await serve(script)
    async with client(server.url) as http:
        empty, lenient = await http.get("/a"), await http.get("/b")
    assert (empty.status_code, empty.content) == (204, b"")
    assert lenient.json() == {}
    assert server.connections == 1


async def test_a_header_that_would_break_the_request_is_not_sent(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    server = await serve(respond(b"{}"))
    transport = KeepAliveTransport(max_connections=1)
    request = httpx.Request("GET", f"{server.url}/x", headers={"X-Evil": "a\r\nInjected: yes"})
    with pytest.raises(httpx.LocalProtocolError):
        await transport.handle_async_request(request)
    assert server.requests == []
    await transport.aclose()


_FILLER = b"X-Filler: aaaaaaaaaaaaaaaa\r\n" * 5000


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"HTTP/1.1 200 OK\r\n" + _FILLER, "head is over"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n" + _FILLER + b"\r\n",
            "trailers are over",
        ),
    ],
    ids=["head", "trailers"],
)
async def test_an_endless_head_or_endless_trailers_are_refused(
    serve: Callable[[Script], Awaitable[ScriptedServer]], answer: bytes, message: str
) -> None:
    server = await serve(raw(answer))
    async with client(server.url) as http:
        with pytest.raises(httpx.RemoteProtocolError, match=message):
            await http.get("/x")


async def test_a_streamed_request_body_is_sent_with_its_length(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    async def parts() -> AsyncIterator[bytes]:
        yield b'{"a":'
        yield b"1}"

    server = await serve(respond(b"{}"))
    async with client(server.url) as http:
        assert (await http.post("/x", content=parts())).status_code == 200
    request = server.requests[0]
    assert b"Transfer-Encoding" not in request and b"\r\nContent-Length: 7\r\n" in request
    assert request.endswith(b'\r\n\r\n{"a":1}')


async def test_a_request_that_asks_to_close_does_not_keep_its_connection(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    server = await serve(respond(b"{}"))
    async with client(server.url) as http:
        for _ in range(2):
            assert (await http.get("/x", headers={"Connection": "close"})).status_code == 200
    assert server.connections == 2


async def _endless_length(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Announces 10 MB, sends a little and then nothing: a client that waited for it would time out.
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 100)
    await writer.drain()


@pytest.mark.parametrize(
    "script",
    [
        _endless_length,
        raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"".join(b"3e8\r\n" + b"y" * 1000 + b"\r\n" for _ in range(5))
            + b"0\r\n\r\n"
        ),
        raw(b"HTTP/1.1 200 OK\r\n\r\n" + b"z" * 5000, close=True),
    ],
    ids=["announced length", "chunks", "body framed by the close"],
)
async def test_a_body_over_the_request_s_limit_is_refused_as_it_arrives_and_its_connection_dropped(
    serve: Callable[[Script], Awaitable[ScriptedServer]], script: Script
) -> None:
    """One huge answer must not be held in memory: the transport stops reading past the limit the
    request carries, and the connection, with the rest of that answer in it, is not used again."""
    answers = iter([script, respond(b"{}")])

    async def next_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await next(answers)(reader, writer)

    server = await serve(next_answer)
    async with client(server.url, timeout=5.0) as http:
        with pytest.raises(BodyTooLarge, match="over 2,500 bytes"):
            await http.get("/x", extensions={MAX_BODY: 2500})
        answer = await http.get("/x", extensions={MAX_BODY: 2500})
    assert answer.content == b"{}"
    assert server.connections == 2


async def test_a_body_at_the_limit_is_read_whole_and_a_long_one_in_slices(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
) -> None:
    """A body of exactly the limit is read; one over 64 KiB reaches httpx in slices, so a
    compressed answer is decoded a slice at a time."""
    long_body = random.Random(5).randbytes(200_000)  # incompressible: its gzip is as long
    answers = iter([respond(b"a" * 2500), respond(gzip.compress(long_body), "Content-Encoding: gzip")])

    async def next_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await next(answers)(reader, writer)

    server = await serve(next_answer)
    async with client(server.url) as http:
        assert (await http.get("/x", extensions={MAX_BODY: 2500})).content == b"a" * 2500
        async with http.stream("GET", "/x") as response:
            sizes = [len(part) async for part in response.aiter_raw()]
    assert sum(sizes) == len(gzip.compress(long_body)) and max(sizes) <= 64 * 1024 and len(sizes) > 1


# --- through the Intercom source, on either transport --------------------------------------------

CAP = 1 << 20


def _conversation_json(conversation_id: str) -> bytes:
    return json.dumps(
        {
            "type": "conversation",
            "id": conversation_id,
            "created_at": 1_700_000_000,
            "updated_at": 1_700_000_100,
            "source": {"body": "<p>My export fails</p>", "author": {"type": "user"}},
            "conversation_parts": {"conversation_parts": [], "total_count": 0},
        }
    ).encode()


def _source(url: str, transport: httpx.AsyncBaseTransport) -> IntercomSource:
    return IntercomSource(
        make_settings(intercom_base_url=url, max_record_bytes=CAP),
        transport=transport,
        retry=RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.02),
    )


TRANSPORTS = {
    "keep-alive": lambda: KeepAliveTransport(max_connections=4),
    "httpx (a proxy's)": httpx.AsyncHTTPTransport,
}


async def _detail_within(url: str, transport: str, memory: int) -> Any:
    """The one detail fetched, asserting the Python memory it took at its peak stays under ``memory``."""
    tracemalloc.start()
    try:
        async with _source(url, TRANSPORTS[transport]()) as source:
            [result] = await source.details(["7"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < memory, f"peak {peak:,} bytes"
    return result


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_compressed_answer_is_inflated_no_further_than_the_cap(
    serve: Callable[[Script], Awaitable[ScriptedServer]], transport: str
) -> None:
    """200 MiB of JSON as 200 KB of gzip: httpx inflated each 64 KiB slice whole (about 64 MiB at
    a time) before any limit was looked at. Now no more than the cap is ever inflated."""
    bomb = gzip.compress(b'{"type": "conversation", "id": "7", "x": "' + b"a" * (200 << 20) + b'"}', 1)
    server = await serve(respond(bomb, "Content-Encoding: gzip"))
    result = await _detail_within(server.url, transport, memory=4 * CAP)
    assert isinstance(result, Skipped) and result.reason == "too_large"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_answer_compressed_twice_is_malformed_not_inflated(
    serve: Callable[[Script], Awaitable[ScriptedServer]], transport: str
) -> None:
    """A few hundred bytes of gzip inside gzip inflated to hundreds of MiB: only the encodings
    asked for are read, once."""
    twice = gzip.compress(gzip.compress(b"[" + b"0," * (100 << 20) + b"0]", 9), 9)
    server = await serve(respond(twice, "Content-Encoding: gzip, gzip"))
    result = await _detail_within(server.url, transport, memory=4 * CAP)
    assert isinstance(result, Skipped) and result.reason == "malformed"
    assert "Content-Encoding" in result.detail


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("status", ["503 Service Unavailable", "404 Not Found"])
async def test_an_error_status_with_a_long_page_is_read_as_its_status(
    serve: Callable[[Script], Awaitable[ScriptedServer]], transport: str, status: str
) -> None:
    """A gateway's long error page used to make the conversation too_large: a 503 is retried and
    a 404 means the conversation is gone, whatever the page's length."""
    answers = iter(
        [respond(b"<html>" + b"x" * (2 * CAP) + b"</html>", status=status), respond(_conversation_json("7"))]
    )

    async def next_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await next(answers)(reader, writer)

    server = await serve(next_answer)
    result = await _detail_within(server.url, transport, memory=8 * CAP)
    if status.startswith("503"):
        assert isinstance(result, Conversation) and result.id == "7"
    else:
        assert isinstance(result, Skipped) and result.reason == "gone"


def _empty_stored_blocks(count: int) -> bytes:
    """Raw deflate of empty stored blocks: bytes that inflate to nothing, for ever."""
    return b"\x00\x00\x00\xff\xff" * count


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("encoding", "body", "reason"),
    [
        # Over the cap in all (the keep-alive transport sees that first) and junk after the end.
        ("gzip", gzip.compress(_conversation_json("7")) + b"\x00" * (8 << 20), "too_large malformed"),
        ("deflate", _empty_stored_blocks(2 << 20), "too_large"),
        ("gzip", gzip.compress(_conversation_json("7"))[:-6], "malformed"),
        ("gzip", gzip.compress(_conversation_json("7")) + b"junk", "malformed"),
        ("x-gzip", gzip.compress(_conversation_json("7")), None),
    ],
    ids=["bytes after the end", "inflating to nothing", "cut short", "junk after the end", "x-gzip"],
)
async def test_a_compressed_body_is_read_to_its_end_and_no_further(
    serve: Callable[[Script], Awaitable[ScriptedServer]],
    transport: str,
    encoding: str,
    body: bytes,
    reason: str | None,
) -> None:
    """Bytes after a compressed stream's end piled up unread in memory (400 MiB for 200 MiB of
    junk), and a stream of empty blocks was read for ever; a stream cut short was accepted. The
    raw bytes now count against the cap too. (The scripted server shares this process and holds
    copies of what it sends, so memory is only bounded loosely here.)"""
    server = await serve(respond(body, f"Content-Encoding: {encoding}"))
    result = await _detail_within(server.url, transport, memory=64 << 20)
    if reason is None:
        assert isinstance(result, Conversation) and result.id == "7"
    else:
        assert isinstance(result, Skipped) and result.reason in reason.split(), result
