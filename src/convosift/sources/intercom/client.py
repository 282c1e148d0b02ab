"""The HTTP layer of the Intercom source: one paced, retried request at a time.

Every httpx exception and every unexpected status is translated here into the exception tree
of :mod:`convosift.errors`, grouped by what the caller should do: fatal (bad token, bad
request), retriable (5xx, timeouts, connection errors, rate limits, broken JSON; retried here
with exponential backoff and jitter before it is raised), invalid cursor (the pipeline restarts
the window) and skippable (one conversation is gone or too large).

Answers are read up to a limit, so one huge answer cannot exhaust memory: a conversation up to
``CONVOSIFT_MAX_RECORD_BYTES`` (a larger one is skipped as ``too_large``, as from a file), a
search page up to :data:`MAX_PAGE_BYTES`. The limit holds for the raw bytes and for the bytes as
decoded, on either transport (:mod:`~convosift.sources.intercom.body`). An error status is read as its status, however
long its page.
"""

from __future__ import annotations

import json
import random
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from convosift.config import Settings
from convosift.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidCursorError,
    MalformedResponseError,
    RateLimitedError,
    SkippableRecordError,
    SourceError,
    SourceFatalError,
    SourceRetriableError,
)
from convosift.logs import get_logger
from convosift.sources import json_values
from convosift.sources.intercom.body import UnsupportedEncoding, read_body
from convosift.sources.intercom.clock import SYSTEM_CLOCK, Clock
from convosift.sources.intercom.http1 import BodyTooLarge
from convosift.sources.intercom.ratelimit import RESET_HEADER, RateLimiter, shared_limiter
from convosift.sources.intercom.transport import MAX_BODY, KeepAliveTransport

log = get_logger(__name__)

TOKEN_HINT = "check INTERCOM_ACCESS_TOKEN: it must be a valid token of the workspace and region you read"  # noqa: S105
_CURSOR_WORDS = ("cursor", "starting_after", "pagination")
_RETRIABLE_STATUS = frozenset({408})
MAX_PAGE_BYTES = 32 << 20
"""The largest search page read (150 conversations without their parts are well under 1 MiB);
``CONVOSIFT_MAX_RECORD_BYTES`` when that is larger."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt ``n`` waits between half and all of ``base * 2**n``."""

    max_retries: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2.0**attempt)
        return ceiling / 2 + rng.uniform(0.0, ceiling / 2)


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    body: dict[str, Any] | None = None
    cursor_sent: bool = False
    missing_means_gone: bool = False
    """A 404 names one record that no longer exists (retrieve), not a wrong URL (search)."""
    stored: bool = False
    """The answer is stored as the record's ``raw`` JSON (retrieve): NaN, Infinity and numbers
    beyond a float make it malformed, as no database's JSON type keeps them."""

    @property
    def what(self) -> str:
        return f"{self.method} {self.path}"


class _Retry(Exception):
    """A failed attempt worth repeating; ``error`` is raised once the retries are spent."""

    def __init__(self, error: SourceRetriableError, *, paced: bool = False) -> None:
        super().__init__(error.message)
        self.error = error
        self.paced = paced
        """True when the limiter already holds requests until the reset (no extra backoff)."""


class IntercomClient:
    """Authenticated, paced and retried access to the two Intercom endpoints convosift uses."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if settings.intercom_access_token is None or not settings.intercom_access_token.get_secret_value():
            raise ConfigurationError(
                "no Intercom access token", hint="set INTERCOM_ACCESS_TOKEN (or use the files source)"
            )
        self.base_url = settings.intercom_url
        self.clock = clock or SYSTEM_CLOCK
        # Outside tests every client of a host shares one limiter; a fake clock gets its own.
        self.limiter = limiter or (RateLimiter(clock) if clock else shared_limiter(self.base_url))
        self.retry = retry or RetryPolicy(max_retries=settings.intercom_max_retries)
        self._rng = rng or random.Random()
        self._timeout = settings.intercom_timeout_seconds
        # Detail fetches, plus a search that may overlap them.
        self._transport = transport or _default_transport(
            self.base_url, connections=settings.intercom_fetch_concurrency + 2
        )
        # Requests go straight to the transport: httpx's client would add cookie bookkeeping and
        # redirect and auth wrappers that a bearer-token API never uses (two thirds of its cost).
        self._headers = httpx.Headers(
            {
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
                "Connection": "keep-alive",
                "User-Agent": f"python-httpx/{httpx.__version__}",
                "Authorization": f"Bearer {settings.intercom_access_token.get_secret_value()}",
                "Intercom-Version": settings.intercom_api_version,
            }
        )
        self._timeouts = httpx.Timeout(settings.intercom_timeout_seconds).as_dict()
        self._max_record_bytes = settings.max_record_bytes
        self._max_page_bytes = max(MAX_PAGE_BYTES, settings.max_record_bytes)

    async def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /conversations/search``; raises InvalidCursorError when the cursor is refused."""
        pagination = body.get("pagination") or {}
        cursor_sent = bool(pagination.get("starting_after"))
        return await self._request(_Call("POST", "/conversations/search", body, cursor_sent=cursor_sent))

    async def retrieve(self, conversation_id: str) -> dict[str, Any]:
        """``GET /conversations/{id}``; a conversation that is gone raises SkippableRecordError."""
        path = f"/conversations/{quote(conversation_id, safe='')}"
        return await self._request(_Call("GET", path, missing_means_gone=True, stored=True))

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def _request(self, call: _Call) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return await self._attempt(call, attempt)
            except _Retry as retry:
                if attempt >= self.retry.max_retries:
                    error = retry.error
                    error.message = f"{error.message} (gave up after {attempt + 1} attempts)"
                    raise error from None
                log.info("intercom_retry", request=call.what, attempt=attempt + 1, reason=retry.error.message)
                if not retry.paced:
                    await self.clock.sleep(self.retry.delay(attempt, self._rng))
                attempt += 1

    async def _attempt(self, call: _Call, attempt: int) -> dict[str, Any]:
        try:
            async with self.limiter.slot():
                response, content = await self._send(call)
                self.limiter.observe(response.headers)
        except BodyTooLarge as exc:
            # Larger every time it is asked for: no retry reads less of it.
            if call.stored:
                raise SkippableRecordError(
                    f"{call.what} answered with over {exc.limit:,} bytes of JSON, over the cap "
                    "(CONVOSIFT_MAX_RECORD_BYTES)",
                    reason="too_large",
                ) from None
            raise SourceFatalError(
                f"Intercom answered {call.what} with over {exc.limit:,} bytes, more than a search page holds",
                hint="check INTERCOM_BASE_URL: it should name the Intercom API",
            ) from None
        except UnsupportedEncoding as exc:
            # Sent the same way every time: no retry reads it.
            raise MalformedResponseError(
                f"Intercom answered {call.what} in an encoding not asked for: {exc}"
            ) from None
        except httpx.DecodingError as exc:
            raise _Retry(
                MalformedResponseError(
                    f"Intercom sent a body that cannot be decoded for {call.what} ({exc})",
                    hint="resume the run later",
                )
            ) from None
        except httpx.TimeoutException:
            raise _Retry(
                SourceRetriableError(
                    f"Intercom did not answer {call.what} within {self._timeout:g} s",
                    hint="resume the run later or raise INTERCOM_TIMEOUT_SECONDS",
                )
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, httpx.CookieConflict, OSError) as exc:
            translated = translate_transport_error(exc, call.what)
            if isinstance(translated, SourceRetriableError):
                raise _Retry(translated) from None
            raise translated from None
        return self._payload(response, content, call, attempt)

    async def _send(self, call: _Call) -> tuple[httpx.Response, bytes]:
        """The response and its body, decoded; :class:`BodyTooLarge` when a success passes the
        call's limit."""
        limit = self._max_record_bytes if call.stored else self._max_page_bytes
        request = httpx.Request(
            call.method,
            self.base_url + call.path,
            headers=self._headers,
            json=call.body,
            extensions={"timeout": self._timeouts, MAX_BODY: limit},
        )
        try:
            response = await self._transport.handle_async_request(request)
        except BodyTooLarge as exc:
            if 200 <= exc.status < 300:
                raise
            # An error status with a long page: the status says what happened; the page is unread.
            return httpx.Response(exc.status, headers=exc.headers, request=request), b""
        response.request = request
        try:
            content = await read_body(response, limit)
        finally:
            await response.aclose()
        return response, content

    def _payload(self, response: httpx.Response, content: bytes, call: _Call, attempt: int) -> dict[str, Any]:
        what, status = call.what, response.status_code
        if status == 429:
            reset_at = _float_header(response, RESET_HEADER)
            wait = self.limiter.rate_limited(reset_at, fallback_seconds=self.retry.delay(attempt, self._rng))
            raise _Retry(
                RateLimitedError(
                    f"Intercom rate limit exceeded on {what}",
                    reset_at=reset_at,
                    hint=f"the limit resets in {wait:.0f} s; resume the run then",
                ),
                paced=True,
            )
        if status in (401, 403):
            raise AuthenticationError(
                f"Intercom refused the access token (HTTP {status} on {what})", hint=TOKEN_HINT
            )
        if status == 404 and call.missing_means_gone:
            raise SkippableRecordError(f"{what} returned 404: the conversation is gone", reason="gone")
        if status == 404:
            raise SourceFatalError(f"{what} returned 404", hint="check INTERCOM_BASE_URL or INTERCOM_REGION")
        if status >= 500 or status in _RETRIABLE_STATUS:
            raise _Retry(
                SourceRetriableError(
                    f"Intercom failed on {what} (HTTP {status})", hint="resume the run later"
                )
            )
        if status >= 400:
            codes, detail = _error_details(content)
            if call.cursor_sent and any(word in f"{codes} {detail}".lower() for word in _CURSOR_WORDS):
                raise InvalidCursorError(
                    f"Intercom no longer accepts the pagination cursor ({detail or status})",
                    hint="the window is read again from its start",
                )
            raise SourceFatalError(f"Intercom rejected {what} (HTTP {status}: {detail or 'no detail'})")
        try:
            payload = json_values.loads(content) if call.stored else json.loads(content)
        except RecursionError:
            # Nested past the parser's depth: no retry reads it better.
            raise MalformedResponseError(f"Intercom sent JSON nested too deep to read for {what}") from None
        except json_values.NotStorable as exc:
            raise MalformedResponseError(f"Intercom sent JSON no database stores for {what}: {exc}") from None
        except ValueError:
            raise _Retry(
                MalformedResponseError(
                    f"Intercom sent invalid or truncated JSON for {what}", hint="resume the run later"
                )
            ) from None
        if not isinstance(payload, dict):
            raise _Retry(
                MalformedResponseError(
                    f"Intercom sent a JSON {type(payload).__name__} instead of an object for {what}"
                )
            )
        return payload


def translate_transport_error(exc: BaseException, what: str) -> SourceError:
    """The convosift error for an httpx (or socket) failure; retriable ones are worth a retry."""
    if isinstance(exc, httpx.TimeoutException):
        return SourceRetriableError(f"Intercom did not answer {what} in time", hint="resume the run later")
    if isinstance(exc, BodyTooLarge):
        return SourceFatalError(f"Intercom answered {what} with over {exc.limit:,} bytes")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | httpx.LocalProtocolError):
        return SourceFatalError(
            f"cannot send {what}: {type(exc).__name__}", hint="check INTERCOM_BASE_URL or INTERCOM_REGION"
        )
    if isinstance(exc, httpx.ProxyError):
        return SourceFatalError(f"the proxy refused {what}", hint="check the proxy settings (HTTPS_PROXY)")
    if isinstance(exc, httpx.TransportError | httpx.DecodingError | OSError):
        return SourceRetriableError(
            f"connection to Intercom failed on {what} ({type(exc).__name__})", hint="resume the run later"
        )
    return SourceFatalError(f"unexpected HTTP failure on {what} ({type(exc).__name__})")


def _error_details(content: bytes) -> tuple[str, str]:
    """Error codes and messages of an Intercom ``error.list`` body (best effort)."""
    try:
        body = json.loads(content)
    except ValueError:
        return "", content[:200].decode("utf-8", "replace")
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return "", str(body)[:200]
    codes = [str(e.get("code", "")) for e in errors if isinstance(e, dict)]
    messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
    return " ".join(codes), "; ".join(m for m in (" ".join(codes), *messages) if m)[:300]


def _default_transport(base_url: str, *, connections: int) -> httpx.AsyncBaseTransport:
    """The keep-alive transport, or httpx's own when the environment names a proxy for the host."""
    url = httpx.URL(base_url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if proxy and not urllib.request.proxy_bypass(url.host):
        return httpx.AsyncHTTPTransport(proxy=proxy, limits=httpx.Limits(max_connections=connections))
    return KeepAliveTransport(max_connections=connections)


def _float_header(response: httpx.Response, name: str) -> float | None:
    try:
        return float(response.headers[name])
    except (KeyError, ValueError):
        return None
