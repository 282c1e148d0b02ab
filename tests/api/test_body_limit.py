"""Request bodies are capped before anything reads them: a huge POST cannot fill the server's memory."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from convosift.api.app import create_app
from convosift.api.body_limit import MAX_REQUEST_BYTES

from .conftest import API_TOKEN, live_server, make_settings


def _answer_to(url: str, head: bytes, body: bytes) -> tuple[int, dict[str, Any]]:
    """Send a request head and part of its body over a raw socket, send nothing more, and read
    the answer: a server that waited for the rest of the body would never answer."""
    host, port = urlsplit(url).hostname or "", urlsplit(url).port or 80
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + body)
        received = b""
        while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < _length(received):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, json.loads(received.split(b"\r\n\r\n", 1)[1])


def _length(received: bytes) -> int:
    for line in received.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.mark.parametrize("framing", ["announced length", "chunked"])
def test_a_body_over_the_ceiling_is_refused_without_being_read(sqlite_url: str, framing: str) -> None:
    """Without a token, 300 MB sent in chunks grew the server by 600 MB before its 401: FastAPI
    reads a body before it checks the token. Now 413: at once for a length announced over the
    ceiling (no byte of the body is sent here), and for a chunked upload as soon as the bytes
    received pass it (the upload here never ends)."""
    app = create_app(make_settings(sqlite_url, api_token=API_TOKEN))
    with live_server(app) as url:
        request = b"POST /api/pipeline/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        if framing == "chunked":
            size = MAX_REQUEST_BYTES + 1024
            head = request + b"Transfer-Encoding: chunked\r\n\r\n"
            status, body = _answer_to(url, head, b"%x\r\n" % size + b" " * size + b"\r\n")
        else:
            status, body = _answer_to(url, request + b"Content-Length: 300000000\r\n\r\n", b"")
    assert status == 413
    assert body["error"] == "payload_too_large"


def test_a_body_within_the_ceiling_reaches_the_route(sqlite_url: str) -> None:
    app = create_app(make_settings(sqlite_url, api_token=API_TOKEN))
    with live_server(app) as url:
        padded = b'{"days": 7' + b" " * (MAX_REQUEST_BYTES - 20) + b"}"
        unauthorised = httpx.post(f"{url}/api/pipeline/run", content=padded, timeout=60)
        invalid = httpx.post(
            f"{url}/api/pipeline/run",
            content=padded.replace(b"7", b"-7"),
            headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
            timeout=60,
        )
    assert len(padded) <= MAX_REQUEST_BYTES
    assert unauthorised.status_code == 401
    assert invalid.status_code == 422
