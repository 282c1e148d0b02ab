"""Requests that change something must come from the dashboard's own pages or from a client that
is not a browser: a defence against cross-site request forgery.

Without ``CONVOSIFT_API_TOKEN`` (the default, on loopback) any web page the user visited could
make the browser POST to ``http://127.0.0.1:8000``: a form or a ``text/plain`` body needs no
preflight, so a page could stop a running backfill or accept and dismiss proposals. Browsers say
where a request comes from: ``Sec-Fetch-Site`` (every current browser) and ``Origin`` (on every
cross-origin POST). A POST, PUT, PATCH or DELETE is refused with 403 when ``Sec-Fetch-Site`` is
anything but ``same-origin`` or ``none`` (typed by the user), or, without it, when ``Origin``
names another host than the request's ``Host`` (or ``X-Forwarded-Host``, which a page cannot set
on another site's request). Clients that are not browsers (the CLI, curl, scripts) send neither
header and are unaffected.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


class CrossSiteGuard:
    """ASGI middleware refusing state-changing requests a browser sends for another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _UNSAFE and _cross_site(scope):
            body = json.dumps(
                {
                    "error": "cross_site_request",
                    "message": "this request comes from another site's page",
                    "hint": "change things from the dashboard itself, the CLI or a script",
                }
            ).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _cross_site(scope: Scope) -> bool:
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in _ALLOWED_FETCH_SITES
    origin = headers.get("origin")
    if origin is None:
        return False  # not a browser's cross-origin request
    host = urlsplit(origin.strip()).netloc.lower() if origin.strip() != "null" else ""
    own = {headers.get("host", "").strip().lower(), headers.get("x-forwarded-host", "").strip().lower()}
    return not host or host not in own
