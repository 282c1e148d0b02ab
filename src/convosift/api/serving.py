"""Where the API may be served and which ``Host`` headers it accepts: one policy for every launcher.

GET endpoints are open to whoever can reach the address, hence the loopback default. On IPv4
loopback only loopback ``Host`` headers are accepted, so a web page cannot reach the API through
DNS rebinding (Starlette's host check cannot parse IPv6 literals, so those skip it).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from convosift.config import Settings

LOOPBACK_HOST_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class BindPolicy:
    """How to serve on ``settings.api_host``: the trusted ``Host`` names, and a warning if any."""

    trusted_hosts: tuple[str, ...] | None
    warning: str | None


def bind_policy(settings: Settings) -> BindPolicy:
    host = settings.api_host
    warning = None
    if not is_loopback(host) and settings.api_token is None:
        warning = (
            f"serving on {host} without an API token: anyone who can reach this address can start "
            "and stop runs. Set CONVOSIFT_API_TOKEN or bind to 127.0.0.1."
        )
    guard = is_loopback(host) and ":" not in host
    return BindPolicy(trusted_hosts=(*LOOPBACK_HOST_NAMES, host) if guard else None, warning=warning)
