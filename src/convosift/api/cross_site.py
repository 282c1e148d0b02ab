"""Requests that change something must come from the dashboard's own pages or from a client that
is not a browser: a defence against cross-site request forgery.

Without ``CONVOSIFT_API_TOKEN`` (the default, on loopback) any web page the user visited could
make the browser POST to ``http://127.0.0.1:8000``: a form or a ``text/plain`` body needs no
preflight, so a page could stop a running backfill or accept and dismiss proposals. Browsers say
where a request comes from: ``Sec-Fetch-Site`` (every current browser) and ``Origin`` (on every
cross-origin POST). A POST, PUT, PATCH or DELETE is refused with 403 when ``Sec-Fetch-Site`` is
anything but ``same-origin`` or ``none`` (typed by the user), or, without it, when ``Origin``
names another host than the request's ``Host`` (default ports aside), ``X-Forwarded-Host`` (which
a page cannot set on another site's request; its host alone when it has no port, as proxies often
send it) or an origin of ``CONVOSIFT_API_ALLOWED_ORIGINS``. Browsers send ``Sec-Fetch-Site`` only
to HTTPS and loopback addresses, so a dashboard behind a proxy on plain HTTP that rewrites
``Host`` needs its address there. Clients that are not browsers (the CLI, curl, scripts) send
neither header and are unaffected.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from convosift.api.errors import ScrubbedJSONResponse, error_body

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


class CrossSiteGuard:
    """ASGI middleware refusing state-changing requests a browser sends for another site."""

    def __init__(self, app: ASGIApp, allowed_origins: str = "") -> None:
        self.app = app
        self.allowed = frozenset(
            _netloc(origin.strip()) for origin in allowed_origins.split(",") if origin.strip()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in _UNSAFE and self._cross_site(scope):
            body = error_body(
                "cross_site_request",
                "this request comes from another site's page",
                "change things from the dashboard itself, the CLI or a script",
            )
            await ScrubbedJSONResponse(body, status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _cross_site(self, scope: Scope) -> bool:
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site is not None:
            return fetch_site.strip().lower() not in _ALLOWED_FETCH_SITES
        origin = headers.get("origin")
        if origin is None:
            return False  # not a browser's cross-origin request
        if origin.strip() == "null":
            return True
        scheme = urlsplit(origin.strip()).scheme.lower()
        came_from = _netloc(origin.strip())
        if not came_from:
            return True
        if came_from in self.allowed or came_from == _with_port(headers.get("host", ""), scheme):
            return False
        forwarded = headers.get("x-forwarded-host", "").split(",")[0].strip().lower()
        if not forwarded:
            return True
        if ":" in forwarded.rsplit("]", 1)[-1]:
            return came_from != _with_port(forwarded, scheme)
        return bool(came_from.rsplit(":", 1)[0] != forwarded)  # a host without its port


def _netloc(origin: str) -> str:
    """``host:port`` of an origin, lower-case, the scheme's default port written out."""
    parts = urlsplit(origin)
    return _with_port(parts.netloc, parts.scheme.lower()) if parts.scheme and parts.netloc else ""


def _with_port(host: str, scheme: str) -> str:
    """``host`` (as a ``Host`` header gives it) with the port ``scheme`` implies when it has none."""
    host = host.strip().lower()
    if not host:
        return ""
    if ":" in host.rsplit("]", 1)[-1]:
        return host
    return f"{host}:{443 if scheme == 'https' else 80}"
