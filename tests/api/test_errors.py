"""Every error leaves the API with its status and the same JSON keys, never a traceback or a secret."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from convosift.api import create_app
from convosift.errors import (
    AuthenticationError,
    ConfigurationError,
    ConvosiftError,
    NotFoundError,
    RateLimitedError,
    RunConflictError,
    RunNotFoundError,
    RunTakenOverError,
    StoreError,
)

from .conftest import INTERCOM_TOKEN, assert_no_secret, make_settings


@pytest.fixture
def raising_client(sqlite_url: str) -> TestClient:
    app = create_app(make_settings(sqlite_url))

    @app.get("/boom/{kind}")
    def boom(kind: str) -> None:
        errors: dict[str, ConvosiftError] = {
            "config": ConfigurationError("batch size is wrong", hint="use 10-500"),
            "auth": AuthenticationError(f"Intercom refused token {INTERCOM_TOKEN}"),
            "rate": RateLimitedError("rate limited"),
            "store": StoreError("database is locked"),
            "conflict": RunConflictError("another run is active"),
            "run": RunNotFoundError("no run abc"),
            "taken_over": RunTakenOverError("abc"),
            "missing": NotFoundError("nothing here"),
        }
        if kind in errors:
            raise errors[kind]
        raise RuntimeError(f"unexpected failure holding {INTERCOM_TOKEN}")

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("config", 422, "configuration_error"),
        ("auth", 502, "authentication_failed"),
        ("rate", 502, "rate_limited"),
        ("store", 503, "store_error"),
        ("conflict", 409, "run_conflict"),
        ("run", 404, "run_not_found"),
        ("taken_over", 409, "run_taken_over"),
        ("missing", 404, "not_found"),
    ],
)
def test_convosift_errors_become_their_status_with_the_same_keys(
    raising_client: TestClient, kind: str, status: int, code: str
) -> None:
    response = raising_client.get(f"/boom/{kind}")
    assert response.status_code == status
    body = response.json()
    assert body["error"] == code
    assert set(body) <= {"error", "message", "hint"}
    assert body["message"]
    assert_no_secret(response.text)


def test_hint_is_included_when_the_error_has_one(raising_client: TestClient) -> None:
    body = raising_client.get("/boom/config").json()
    assert body == {"error": "configuration_error", "message": "batch size is wrong", "hint": "use 10-500"}


def test_unexpected_errors_are_a_bare_500_without_traceback_or_secret(raising_client: TestClient) -> None:
    response = raising_client.get("/boom/other")
    assert response.status_code == 500
    assert response.json()["error"] == "internal_error"
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text
    assert_no_secret(response.text)


def test_unknown_routes_and_methods_use_the_same_keys(raising_client: TestClient) -> None:
    missing = raising_client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong_method = raising_client.delete("/api/pipeline/history")
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()) == {"error", "message"}
