"""The app's surface: the documented routes exist, nothing is loaded from a CDN."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from convosift.api import create_app
from convosift.config import Settings

from .conftest import live_server, make_settings

REQUIRED = {
    ("post", "/api/pipeline/run"),
    ("get", "/api/pipeline/status/{run_id}"),
    ("get", "/api/pipeline/status/{run_id}/preview"),
    ("get", "/api/pipeline/active"),
    ("get", "/api/pipeline/history"),
    ("post", "/api/pipeline/stop"),
    ("get", "/api/conversations"),
    ("get", "/api/conversations/{conversation_id}"),
    ("get", "/api/themes"),
    ("get", "/api/themes/{signature}"),
    ("get", "/healthz"),
}


def test_the_schema_lists_every_route_and_documents_the_token_rule(sqlite_url: str) -> None:
    with TestClient(create_app(make_settings(sqlite_url))) as client:
        schema = client.get("/openapi.json").json()
        assert client.get("/healthz").json() == {"status": "ok"}
    routes = {(method, path) for path, methods in schema["paths"].items() for method in methods}
    assert routes >= REQUIRED, REQUIRED - routes
    assert "Authorization: Bearer" in schema["info"]["description"]


def test_no_page_pulls_scripts_from_a_cdn(sqlite_url: str) -> None:
    with TestClient(create_app(make_settings(sqlite_url))) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404


def test_head_is_answered_as_get_without_a_body(settings: Settings) -> None:
    """Health checks and link checkers send HEAD; FastAPI's routes answered 405."""
    with live_server(create_app(settings)) as url:
        for path in ("/healthz", "/", "/api/themes"):
            got = httpx.get(url + path, timeout=30)
            head = httpx.head(url + path, timeout=30)
            assert head.status_code == got.status_code == 200, path
            assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"]
        assert httpx.head(url + "/api/pipeline/run", timeout=30).status_code == 405
