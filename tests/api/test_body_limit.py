"""Request bodies are capped before anything reads them: a huge POST cannot fill the server's memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from convosift.api.app import create_app
from convosift.api.body_limit import MAX_REQUEST_BYTES

from .conftest import API_TOKEN, live_server, make_settings


def _megabytes(count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield b"x" * (1 << 20)


@pytest.mark.parametrize("framing", ["announced length", "chunked"])
def test_a_body_over_the_ceiling_is_refused_without_being_read(sqlite_url: str, framing: str) -> None:
    """Without a token, 300 MB sent in chunks grew the server by 600 MB before its 401: FastAPI
    reads a body before it checks the token. Now 413, and the server holds at most the ceiling."""
    app = create_app(make_settings(sqlite_url, api_token=API_TOKEN))
    with live_server(app) as url:
        tracemalloc.start()
        try:
            if framing == "chunked":
                answer = httpx.post(f"{url}/api/pipeline/run", content=_megabytes(300), timeout=60)
            else:
                answer = httpx.post(
                    f"{url}/api/pipeline/run", content=b"{" + b" " * (4 << 20) + b"}", timeout=60
                )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"
    # The client's own body (4 MiB, or one chunk at a time) and the server's few buffers.
    assert peak < 40 << 20, f"peak {peak:,} bytes"


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
