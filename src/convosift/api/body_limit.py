"""A ceiling on request bodies, enforced before anything reads them.

FastAPI reads and parses a request's whole body before it checks the API token, so one POST of
300 MB without a token grew the server by 600 MB before its 401. Every body this API accepts is a
small JSON object (a run's window, a proposal's title), so a body over :data:`MAX_REQUEST_BYTES`
is refused with 413: at once when its ``Content-Length`` says so, else as soon as the bytes
received pass the ceiling (a chunked upload), without reading the rest.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from convosift.api.errors import ScrubbedJSONResponse, error_body

MAX_REQUEST_BYTES = 1 << 20
"""The largest request body accepted (1 MiB; the largest the API needs is a few KB)."""


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with 413."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = refused = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal refused
            if not exceeded:
                await send(message)
            elif not refused:
                # The app answered the interrupted read its own way (FastAPI: 400); say why.
                refused = True
                await self._refuse(scope, receive, send)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except _TooLarge:
            if not refused:
                refused = True
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = error_body(
            "payload_too_large",
            f"the request body is over {self.max_bytes:,} bytes",
            "every request this API accepts is a small JSON object",
        )
        # The rest of the body is never read: the connection cannot carry another request.
        await ScrubbedJSONResponse(body, status_code=413, headers={"connection": "close"})(
            scope, receive, send
        )


def _content_length(scope: Scope) -> int | None:
    headers: Any = scope.get("headers") or ()
    for name, value in headers:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 19 else None
    return None
