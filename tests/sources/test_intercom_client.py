"""The Intercom source over ``httpx.MockTransport``: requests sent, errors mapped, retries paced."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from source_fakes import START, FakeClock, make_settings

from convosift.domain import Conversation, Skipped, Window
from convosift.errors import (
    AuthenticationError,
    ConfigurationError,
    ConvosiftError,
    InvalidCursorError,
    MalformedResponseError,
    RateLimitedError,
    SourceFatalError,
    SourceRetriableError,
)
from convosift.sources.base import Source
from convosift.sources.intercom import (
    IntercomClient,
    IntercomSource,
    RetryPolicy,
    translate_transport_error,
)
from convosift.sources.intercom import client as client_module
from convosift.sources.intercom.ratelimit import RateLimiter
from convosift.sources.intercom.transport import KeepAliveTransport

T0 = 1_700_000_000
WINDOW = Window(since=T0 + 1_000, until=T0 + 2_000)
FAST_RETRY = RetryPolicy(max_retries=3, base_delay=1.0, max_delay=8.0)
Handler = Callable[[httpx.Request], httpx.Response]


def conversation(conversation_id: str, updated_at: int = T0 + 1_500) -> dict[str, Any]:
    return {
        "type": "conversation",
        "id": conversation_id,
        "created_at": T0 + 1_000,
        "updated_at": updated_at,
        "source": {
            "body": f"<p>Conversation {conversation_id} about exports</p>",
            "author": {"type": "user"},
            "delivered_as": "customer_initiated",
        },
        "conversation_parts": {"conversation_parts": [], "total_count": 0},
    }


def source_for(handler: Handler, clock: FakeClock, **settings: Any) -> IntercomSource:
    return IntercomSource(
        make_settings(**settings),
        transport=httpx.MockTransport(handler),
        clock=clock,
        limiter=RateLimiter(clock),
        retry=FAST_RETRY,
    )


def error(status: int, code: str, message: str = "") -> httpx.Response:
    return httpx.Response(status, json={"type": "error.list", "errors": [{"code": code, "message": message}]})


async def all_pages(source: IntercomSource, cursor: str | None = None) -> list[Any]:
    return [page async for page in source.pages(WINDOW, cursor)]


def test_is_a_source(clock: FakeClock) -> None:
    source = source_for(lambda _: httpx.Response(200, json={}), clock)
    assert isinstance(source, Source)
    assert source.name == "intercom"


def test_missing_token_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="INTERCOM_ACCESS_TOKEN"):
        IntercomSource(make_settings(intercom_access_token=None))


async def test_search_sends_window_cursor_and_headers_and_follows_pages(clock: FakeClock) -> None:
    seen: list[httpx.Request] = []
    pages = {
        None: (
            {
                "conversations": [conversation("1"), conversation("2")],
                "pages": {"next": {"starting_after": "c1"}},
            }
        ),
        "c1": {"conversations": [conversation("3"), conversation("4", updated_at=T0 + 2_000)], "pages": {}},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content)
        return httpx.Response(200, json=pages[body["pagination"].get("starting_after")])

    source = source_for(handler, clock, intercom_api_version="2.11")
    result = await all_pages(source)
    assert [(p.cursor, p.next_cursor, [i.id for i in p.items]) for p in result] == [
        (None, "c1", ["1", "2"]),
        ("c1", None, ["3"]),  # updated_at == until lies outside the half-open window
    ]
    first = seen[0]
    assert (first.method, first.url.path) == ("POST", "/conversations/search")
    assert first.headers["Authorization"] == "Bearer test-token"
    assert first.headers["Intercom-Version"] == "2.11"
    assert first.headers["Accept"] == "application/json"
    assert json.loads(first.content) == {
        "query": {
            "operator": "AND",
            "value": [
                {"field": "updated_at", "operator": ">", "value": T0 + 999},
                {"field": "updated_at", "operator": "<", "value": T0 + 2_000},
            ],
        },
        "pagination": {"per_page": 2},
    }
    assert json.loads(seen[1].content)["pagination"] == {"per_page": 2, "starting_after": "c1"}
    await source.aclose()


class PeakInFlight:
    """A handler wrapper that answers after 5 ms and remembers how many requests overlapped."""

    def __init__(self, answer: Callable[[str], httpx.Response]) -> None:
        self.answer = answer
        self.in_flight = self.peak = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.005)
        self.in_flight -= 1
        return self.answer(request.url.path.rsplit("/", 1)[1])


async def test_details_come_back_in_order_with_bounded_concurrency(clock: FakeClock) -> None:
    def answer(conversation_id: str) -> httpx.Response:
        if conversation_id == "gone":
            return error(404, "not_found", "Resource Not Found")
        if conversation_id == "broken":
            return httpx.Response(200, json={"id": "broken", "created_at": "never"})
        return httpx.Response(200, json=conversation(conversation_id))

    handler = PeakInFlight(answer)
    source = source_for(handler, clock)  # type: ignore[arg-type]
    ids = ["5", "gone", "1", "broken", *[str(n) for n in range(10, 20)]]
    results = await source.details(ids)
    assert [r.id for r in results] == ids
    assert isinstance(results[0], Conversation) and results[0].opener == "Conversation 5 about exports"
    assert results[1] == Skipped(id="gone", reason="gone", detail=results[1].detail)
    assert isinstance(results[3], Skipped) and results[3].reason == "malformed"
    assert "created_at" in results[3].detail
    assert 1 < handler.peak <= 3


async def test_concurrent_detail_calls_share_one_concurrency_limit(clock: FakeClock) -> None:
    handler = PeakInFlight(lambda conversation_id: httpx.Response(200, json=conversation(conversation_id)))
    source = source_for(handler, clock)  # type: ignore[arg-type]
    batches = [[str(n) for n in range(start, start + 6)] for start in (10, 20, 30)]
    results = await asyncio.gather(*(source.details(batch) for batch in batches))
    assert [[r.id for r in result] for result in results] == batches
    assert handler.peak == 3  # intercom_fetch_concurrency, for the source as a whole


def test_the_concurrency_limit_survives_a_new_event_loop(clock: FakeClock) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.001)  # requests wait at the gate: it is bound to this loop
        return httpx.Response(200, json=conversation(request.url.path.rsplit("/", 1)[1]))

    source = source_for(handler, clock)  # type: ignore[arg-type]
    ids = [str(n) for n in range(10, 16)]
    assert [r.id for r in asyncio.run(source.details(ids))] == ids
    assert [r.id for r in asyncio.run(source.details(ids))] == ids


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_token_is_an_authentication_error(clock: FakeClock, status: int) -> None:
    source = source_for(lambda _: error(status, "unauthorized", "Access Token Invalid"), clock)
    with pytest.raises(AuthenticationError) as caught:
        await all_pages(source)
    assert "INTERCOM_ACCESS_TOKEN" in str(caught.value)
    assert "test-token" not in str(caught.value)


async def test_5xx_is_retried_with_growing_backoff(clock: FakeClock) -> None:
    answers = iter([500, 502, 503])

    def handler(_: httpx.Request) -> httpx.Response:
        status = next(answers, 200)
        return error(status, "server_error") if status != 200 else httpx.Response(200, json=conversation("7"))

    [result] = await source_for(handler, clock).details(["7"])
    assert isinstance(result, Conversation)
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] < clock.sleeps[1] < clock.sleeps[2] <= 8.0
    assert 0.5 <= clock.sleeps[0] <= 1.0


async def test_retries_give_up_with_a_retriable_error(clock: FakeClock) -> None:
    calls = 0

    def handler(_: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return error(503, "server_error")

    with pytest.raises(SourceRetriableError, match="gave up after 4 attempts"):
        await all_pages(source_for(handler, clock))
    assert calls == 4


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("cut"),
        OSError("reset"),
    ],
)
async def test_transport_failures_are_retried(clock: FakeClock, failure: Exception) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise failure
        return httpx.Response(200, json=conversation("9"))

    [result] = await source_for(handler, clock).details(["9"])
    assert isinstance(result, Conversation) and calls == 2


async def test_timeouts_surface_as_retriable_errors(clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(SourceRetriableError, match="did not answer"):
        await all_pages(source_for(handler, clock))


async def test_429_waits_for_the_reset_then_retries(clock: FakeClock) -> None:
    reset = int(START) + 9
    calls: list[float] = []

    def handler(_: httpx.Request) -> httpx.Response:
        calls.append(clock.time())
        headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Reset": str(reset)}
        if len(calls) == 1:
            return httpx.Response(
                429,
                headers={**headers, "X-RateLimit-Remaining": "0"},
                json={"type": "error.list", "errors": [{"code": "rate_limit_exceeded"}]},
            )
        return httpx.Response(
            200, headers={**headers, "X-RateLimit-Remaining": "50"}, json={"conversations": [], "pages": {}}
        )

    pages = await all_pages(source_for(handler, clock))
    assert len(pages) == 1
    assert calls[1] >= reset


async def test_429_without_reset_header_backs_off_and_finally_raises(clock: FakeClock) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return error(429, "rate_limit_exceeded")

    with pytest.raises(RateLimitedError):
        await all_pages(source_for(handler, clock))
    assert clock.now - START >= 0.5 + 1 + 2


async def test_invalid_json_is_retried_then_skipped_for_details(clock: FakeClock) -> None:
    calls = 0

    def handler(_: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, content=b'{"type": "conversation", "id": "1", "crea')

    [result] = await source_for(handler, clock).details(["1"])
    assert isinstance(result, Skipped) and result.reason == "malformed" and calls == 4
    with pytest.raises(MalformedResponseError):
        await all_pages(source_for(handler, clock))


async def test_a_number_no_database_stores_makes_a_conversation_malformed_at_once(clock: FakeClock) -> None:
    """1e400 was read as infinity and failed every batch on PostgreSQL. Reading it again gives the
    same answer: one request, no retry. A search page is not stored, so there it does no harm."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if request.method == "POST":
            item = conversation("1") | {"custom_attributes": {"k": 0}}
            text = json.dumps({"conversations": [item]}).replace('"k": 0', '"k": 1e400')
            return httpx.Response(200, content=text.encode())
        return httpx.Response(200, content=b'{"type": "conversation", "id": "1", "x": {"k": 1e400}}')

    [result] = await source_for(handler, clock).details(["1"])
    assert isinstance(result, Skipped) and result.reason == "malformed" and "out of range" in result.detail
    assert calls == 1
    pages = await all_pages(source_for(handler, clock))
    assert [item.id for item in pages[0].items] == ["1"]


async def test_json_nested_past_the_parser_s_depth_is_a_skipped_conversation(clock: FakeClock) -> None:
    """It crashed the run with a traceback: a conversation is skipped, a search page is an error."""
    body = b'{"type": "conversation", "id": "1", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    [result] = await source_for(lambda _: httpx.Response(200, content=body), clock).details(["1"])
    assert isinstance(result, Skipped) and result.reason == "malformed"
    with pytest.raises(MalformedResponseError):
        await all_pages(source_for(lambda _: httpx.Response(200, content=body), clock))


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
async def test_a_conversation_over_the_record_cap_is_skipped_as_too_large_without_a_retry(
    clock: FakeClock, compressed: bool
) -> None:
    """A conversation of any size used to be read into memory whole. The cap of the files source
    now holds for Intercom too, on the bytes as decoded: 1 MiB of gzip inflates to 50 MiB."""
    calls: list[str] = []
    padding = b"a" * (50 << 20 if compressed else 5000)
    big = b'{"type": "conversation", "id": "2", "x": "' + padding + b'"}'
    small = json.dumps(conversation("1")).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        body = small if request.url.path.endswith("/1") else big
        if compressed:
            return httpx.Response(200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        return httpx.Response(200, content=body)

    assert len(small) <= 1024
    source = source_for(handler, clock, max_record_bytes=1024)
    one, two = await source.details(["1", "2"])
    assert isinstance(one, Conversation) and one.id == "1"
    assert isinstance(two, Skipped) and two.reason == "too_large"
    assert "over 1,024 bytes" in two.detail and "CONVOSIFT_MAX_RECORD_BYTES" in two.detail
    assert sorted(calls) == ["/conversations/1", "/conversations/2"]


async def test_a_search_page_over_its_cap_is_a_fatal_error(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_PAGE_BYTES", 4096)
    page = json.dumps({"conversations": [conversation(str(i)) for i in range(30)]}).encode()
    assert len(page) > 4096
    with pytest.raises(SourceFatalError, match="over 4,096 bytes"):
        await all_pages(source_for(lambda _: httpx.Response(200, content=page), clock, max_record_bytes=1024))


async def test_search_cursors_that_go_round_in_a_cycle_are_an_error_not_an_endless_run(
    clock: FakeClock,
) -> None:
    following = {None: "A", "A": "B", "B": "A"}
    searches = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal searches
        searches += 1
        given = json.loads(request.content).get("pagination", {}).get("starting_after")
        body = {
            "conversations": [conversation(f"c{searches}")],
            "pages": {"next": {"starting_after": following[given]}},
        }
        return httpx.Response(200, json=body)

    seen = []
    with pytest.raises(SourceRetriableError, match="cycle"):
        async for page in source_for(handler, clock).pages(WINDOW):
            seen.append(page)
    assert len(seen) == 2 and searches == 3


async def test_truncated_json_then_good_json_recovers(clock: FakeClock) -> None:
    bodies = iter([b'{"conversations": [', json.dumps({"conversations": [conversation("1")]}).encode()])
    pages = await all_pages(source_for(lambda _: httpx.Response(200, content=next(bodies)), clock))
    assert [item.id for item in pages[0].items] == ["1"]


async def test_refused_cursor_is_an_invalid_cursor_error(clock: FakeClock) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return error(400, "client_error", "Invalid starting_after param. Please try again")

    with pytest.raises(InvalidCursorError):
        await all_pages(source_for(handler, clock), cursor="stale")
    # Without a cursor the same answer is an ordinary bad request.
    with pytest.raises(SourceFatalError) as caught:
        await all_pages(source_for(handler, clock))
    assert not isinstance(caught.value, InvalidCursorError)


async def test_other_client_errors_are_fatal_with_intercom_detail(clock: FakeClock) -> None:
    source = source_for(lambda _: error(400, "parameter_invalid", "per_page too large"), clock)
    with pytest.raises(SourceFatalError, match="per_page too large"):
        await all_pages(source)


async def test_a_fatal_error_in_one_detail_fetch_stops_the_batch(clock: FakeClock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/3"):
            return error(401, "unauthorized")
        return httpx.Response(200, json=conversation(request.url.path.rsplit("/", 1)[1]))

    with pytest.raises(AuthenticationError):
        await source_for(handler, clock).details([str(n) for n in range(8)])


def _httpx_exception_types() -> list[type[Exception]]:
    return sorted(
        (
            obj
            for name in httpx.__all__
            if isinstance(obj := getattr(httpx, name), type) and issubclass(obj, Exception)
        ),
        key=lambda cls: cls.__name__,
    )


def _instance(cls: type[Exception]) -> Exception:
    request = httpx.Request("GET", "http://intercom.test/conversations/1")
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("status", request=request, response=httpx.Response(500, request=request))
    if issubclass(cls, httpx.RequestError):
        return cls("failure", request=request)
    if issubclass(cls, httpx.StreamError):
        return cls() if cls is not httpx.StreamError else cls("stream")
    return cls("failure")


@pytest.mark.parametrize("exception_type", _httpx_exception_types(), ids=lambda cls: cls.__name__)
async def test_no_httpx_exception_escapes_unmapped(clock: FakeClock, exception_type: type[Exception]) -> None:
    failure = _instance(exception_type)

    def handler(_: httpx.Request) -> httpx.Response:
        raise failure

    assert isinstance(translate_transport_error(failure, "GET /x"), ConvosiftError)
    if isinstance(failure, httpx.DecodingError):
        # A body that cannot be decoded, again and again: that conversation is malformed.
        [result] = await source_for(handler, clock).details(["1"])
        assert isinstance(result, Skipped) and result.reason == "malformed"
        return
    with pytest.raises(ConvosiftError):
        await source_for(handler, clock).details(["1"])


async def test_404_on_search_is_a_wrong_url_not_a_missing_conversation(clock: FakeClock) -> None:
    source = source_for(lambda _: error(404, "not_found", "Resource Not Found"), clock)
    with pytest.raises(SourceFatalError, match="404"):
        await all_pages(source)


def test_public_names_are_exported() -> None:
    import convosift.sources.intercom as package

    assert all(hasattr(package, name) for name in package.__all__)
    assert {"IntercomSource", "RateLimiter", "RetryPolicy", "html_to_text", "normalize_conversation"} <= set(
        package.__all__
    )


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, KeepAliveTransport),
        ({"HTTPS_PROXY": "http://proxy.test:3128"}, httpx.AsyncHTTPTransport),
        ({"ALL_PROXY": "http://proxy.test:3128"}, httpx.AsyncHTTPTransport),
        ({"HTTPS_PROXY": "http://proxy.test:3128", "NO_PROXY": "api.intercom.io"}, KeepAliveTransport),
        ({"HTTP_PROXY": "http://proxy.test:3128"}, KeepAliveTransport),  # not for an https host
    ],
)
def test_a_proxy_in_the_environment_keeps_httpx_transport(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: type
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    client = IntercomClient(make_settings(intercom_base_url="https://api.intercom.io"))
    assert type(client._transport) is expected
