"""Bearer-token check for the mutating endpoints.

When ``settings.api_token`` is set, every POST needs ``Authorization: Bearer <token>``; reads
(GET) stay open so the dashboard and monitoring work without a credential. Without a token the
API trusts whoever can reach it, which is why ``convosift serve`` binds to loopback by default.
The comparison is exact and constant-time, and the token never appears in a response or a log
line; settings refuse an empty or whitespace-only token (:mod:`convosift.config`).
"""

from __future__ import annotations

import hmac

from fastapi import Request

from convosift.config import Settings
from convosift.errors import UnauthorizedError


def check_bearer(settings: Settings, authorization: str | None) -> None:
    """Raise :class:`UnauthorizedError` unless ``authorization`` carries the configured token."""
    if settings.api_token is None:
        return
    expected = settings.api_token.get_secret_value().encode()
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise UnauthorizedError(
            "this endpoint needs the API token", hint="send the header 'Authorization: Bearer <token>'"
        )
    # Exactly the configured token: nothing is stripped (str.strip() would turn a non-breaking
    # space into an empty string). surrogatepass keeps any str encodable; it cannot match anyway.
    if not hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected):
        raise UnauthorizedError("the API token is not valid", hint="check CONVOSIFT_API_TOKEN")


def require_token(request: Request) -> None:
    """FastAPI dependency for mutating routes."""
    settings: Settings = request.app.state.settings
    check_bearer(settings, request.headers.get("authorization"))
