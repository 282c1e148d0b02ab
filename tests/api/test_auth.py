"""Mutating endpoints need the bearer token when one is set; reads stay open; the token never leaks."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from convosift.analysis.base import NullAnalyzer
from convosift.api.auth import check_bearer
from convosift.errors import UnauthorizedError

from .conftest import API_TOKEN, assert_no_secret, client_for, make_settings


def test_check_bearer_accepts_only_the_exact_token(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, api_token=API_TOKEN)
    check_bearer(settings, f"Bearer {API_TOKEN}")
    check_bearer(settings, f"bearer {API_TOKEN}")
    wrong = (
        None,
        "",
        API_TOKEN,
        f"Basic {API_TOKEN}",
        f"Bearer {API_TOKEN}x",
        "Bearer ",
        f"Bearer {API_TOKEN[:-1]}",
    )
    for header in wrong:
        with pytest.raises(UnauthorizedError):
            check_bearer(settings, header)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer \u00a0",
        f"Bearer {API_TOKEN} ",
        f"Bearer  {API_TOKEN}",
        f"Bearer {API_TOKEN}\u00a0",
        f"Bearer \u00a0{API_TOKEN}",
        f"Bearer {API_TOKEN}\n",
        "Bearer \ud800",
    ],
)
def test_check_bearer_strips_nothing_from_the_token(sqlite_url: str, header: str) -> None:
    settings = make_settings(sqlite_url, api_token=API_TOKEN)
    with pytest.raises(UnauthorizedError):
        check_bearer(settings, header)


@pytest.mark.parametrize("value", [b"Bearer \xa0", f"Bearer {API_TOKEN}\xa0".encode("latin-1")])
def test_a_non_breaking_space_is_not_the_token_over_http(guarded: TestClient, value: bytes) -> None:
    response = guarded.post("/api/pipeline/stop", json={}, headers={"Authorization": value})
    assert response.status_code == 401
    assert guarded.get("/api/pipeline/history").json()["runs"] == []


def test_without_a_configured_token_nothing_is_required(sqlite_url: str) -> None:
    check_bearer(make_settings(sqlite_url), None)


@pytest.fixture
def guarded(sqlite_url: str) -> TestClient:
    settings = make_settings(sqlite_url, api_token=API_TOKEN)
    with client_for(settings, analyzer_factory=lambda _s: NullAnalyzer()) as client:
        yield client


@pytest.mark.parametrize(("path", "body"), [("/api/pipeline/run", {"days": 7}), ("/api/pipeline/stop", None)])
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Token {API_TOKEN}"])
def test_posts_without_the_right_token_are_401_and_change_nothing(
    guarded: TestClient, path: str, body: dict[str, int] | None, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = guarded.post(path, json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    assert_no_secret(response.text)
    assert guarded.get("/api/pipeline/history").json()["runs"] == []


def test_gets_stay_open_when_a_token_is_set(guarded: TestClient) -> None:
    for path in ("/healthz", "/api/pipeline/active", "/api/pipeline/history", "/api/conversations", "/"):
        response = guarded.get(path)
        assert response.status_code == 200, path
        assert_no_secret(response.text)


def test_the_right_token_passes_and_never_appears_in_the_response(guarded: TestClient) -> None:
    response = guarded.post("/api/pipeline/stop", json={}, headers={"Authorization": f"Bearer {API_TOKEN}"})
    # Past the token check: nothing is running, so the stop itself is refused for that reason.
    assert response.status_code != 401
    assert response.json()["error"] != "unauthorized"
    assert_no_secret(response.text)


def test_a_cross_site_form_post_cannot_start_a_run(sqlite_url: str) -> None:
    """Without a token, a browser form (text/plain or urlencoded, no CORS preflight) is still refused."""
    with client_for(make_settings(sqlite_url), analyzer_factory=lambda _s: NullAnalyzer()) as client:
        for content_type in ("text/plain", "application/x-www-form-urlencoded"):
            response = client.post(
                "/api/pipeline/run", content=b'{"days": 7}', headers={"Content-Type": content_type}
            )
            assert response.status_code == 422
        assert client.get("/api/pipeline/history").json()["runs"] == []
        assert "access-control-allow-origin" not in client.options("/api/pipeline/run").headers
