"""Which requests the cross-site guard takes for another site's page (the live-server test of it is
in test_proposals.py)."""

from __future__ import annotations

from typing import Any

import pytest

from convosift.api.cross_site import CrossSiteGuard


def _scope(method: str = "POST", **headers: str) -> dict[str, Any]:
    raw = [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return {"type": "http", "method": method, "headers": raw}


@pytest.mark.parametrize(
    ("headers", "cross"),
    [
        ({"host": "convosift.lan", "origin": "http://convosift.lan"}, False),
        ({"host": "convosift.lan", "origin": "http://convosift.lan:80"}, False),
        ({"host": "convosift.lan:443", "origin": "https://convosift.lan"}, False),
        ({"host": "convosift.lan", "origin": "https://convosift.lan"}, False),  # TLS ended by a proxy
        (
            {"host": "127.0.0.1:8000", "origin": "http://convosift.lan", "x_forwarded_host": "convosift.lan"},
            False,
        ),
        (
            {
                "host": "127.0.0.1:8000",
                "origin": "http://convosift.lan:8080",
                "x_forwarded_host": "convosift.lan",
            },
            False,
        ),
        (
            {
                "host": "127.0.0.1:8000",
                "origin": "http://convosift.lan:8080",
                "x_forwarded_host": "convosift.lan:9",
            },
            True,
        ),
        (
            {"host": "127.0.0.1:8000", "origin": "http://evil.example", "x_forwarded_host": "convosift.lan"},
            True,
        ),
        ({"host": "127.0.0.1:8000", "origin": "http://allowed.lan"}, False),  # CONVOSIFT_API_ALLOWED_ORIGINS
        ({"host": "127.0.0.1:8000", "origin": "http://allowed.lan:81"}, True),
        ({"host": "[::1]:8000", "origin": "http://[::1]:8000"}, False),
        ({"host": "convosift.lan", "origin": "null"}, True),
        ({"host": "convosift.lan", "origin": "garbage"}, True),
        ({"host": "convosift.lan", "sec_fetch_site": "none"}, False),
        ({"host": "convosift.lan", "sec_fetch_site": "Same-Origin", "origin": "http://evil.example"}, False),
        ({"host": "convosift.lan"}, False),
    ],
)
def test_origins_are_compared_with_the_request_s_own_address(headers: dict[str, str], cross: bool) -> None:
    guard = CrossSiteGuard(app=None, allowed_origins=" http://allowed.lan , https://other.example:8443")  # type: ignore[arg-type]
    assert guard._cross_site(_scope(**headers)) is cross
