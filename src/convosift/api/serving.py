"""Where the API may be served and which ``Host`` headers it accepts: one policy for every launcher.

GET endpoints are open to whoever can reach the address, hence the loopback default. On IPv4
loopback only loopback ``Host`` headers are accepted, so a web page cannot reach the API through
DNS rebinding (Starlette's host check cannot parse IPv6 literals, so those skip it).

The port is bound before the server is announced: a port in use is one clear error, and uvicorn
serves on the very sockets bound, so no other process can take the port in between.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from dataclasses import dataclass

from convosift.config import Settings
from convosift.errors import ConfigurationError

LOOPBACK_HOST_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
BACKLOG = 2048
"""Connections the kernel queues before the server accepts them (uvicorn's default)."""


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
    note: str | None = None
    """A reminder for a loopback bind without a token: other users and programs of this machine
    can still send the POSTs (the warning says it for any other bind)."""


def bind_policy(settings: Settings) -> BindPolicy:
    host = settings.api_host
    warning = note = None
    if settings.api_token is None and not is_loopback(host):
        warning = (
            f"serving on {host} without an API token: anyone who can reach this address can start "
            "and stop runs. Set CONVOSIFT_API_TOKEN or bind to 127.0.0.1."
        )
    elif settings.api_token is None:
        note = (
            f"POST endpoints are open to anyone who can reach {host}:{settings.api_port}; set "
            "CONVOSIFT_API_TOKEN to require a bearer token for them."
        )
    guard = is_loopback(host) and ":" not in host
    return BindPolicy(
        trusted_hosts=(*LOOPBACK_HOST_NAMES, host) if guard else None, warning=warning, note=note
    )


def listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on every address of ``host`` at ``port``, bound as uvicorn would bind them.

    Raises :class:`ConfigurationError` naming the port and what to do when it cannot be bound.
    """
    sockets: list[socket.socket] = []
    try:
        addresses = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )
        for family, kind, proto, _name, address in dict.fromkeys(addresses):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            if os.name == "posix":  # as asyncio does: elsewhere it lets a second server share the port
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:  # as asyncio does: "::" is not also every IPv4 address
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise _unavailable(host, port, exc) from None
    return sockets


def _unavailable(host: str, port: int, exc: OSError) -> ConfigurationError:
    if exc.errno == errno.EADDRINUSE:
        return ConfigurationError(
            f"port {port} on {host} is already in use",
            hint="serve on another port with --port, or stop the program listening on it",
        )
    if exc.errno == errno.EACCES:
        return ConfigurationError(
            f"no permission to listen on port {port}",
            hint="ports below 1024 need privileges: serve on another port with --port",
        )
    return ConfigurationError(
        f"cannot listen on {host}:{port}: {exc.strerror}",
        hint="give --host an address of this machine, such as the default 127.0.0.1",
    )
