"""Out-of-range numbers and dates answer 422 naming the value, never a 500 from the database or the calendar.

The bounds come from :mod:`convosift.limits`, the same ones the CLI checks.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from convosift import limits

from .conftest import analysed, conversation, seed

PAGED = ("/api/conversations", "/api/themes/export_fails", "/api/pipeline/history", "/conversations")
HUGE = (2**63, 2**63 - 1, 2**64, 10**30)


@pytest.fixture
def seeded(client: TestClient, settings: Any) -> TestClient:
    seed(settings, [analysed(conversation("c1", "Export breaks every night"), theme="export_fails")])
    return client


@pytest.mark.parametrize("path", PAGED)
@pytest.mark.parametrize("offset", [*HUGE, limits.OFFSET.high + 1, -1])
def test_an_offset_out_of_range_is_422(seeded: TestClient, path: str, offset: int) -> None:
    response = seeded.get(path, params={"offset": offset})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["message"] == f"offset: must be between 0 and {limits.OFFSET.high}, got {offset}"


@pytest.mark.parametrize("path", PAGED[:3])
@pytest.mark.parametrize("limit", [*HUGE, 0])
def test_a_limit_out_of_range_is_422(seeded: TestClient, path: str, limit: int) -> None:
    response = seeded.get(path, params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["message"].startswith("limit: must be between 1 and ")


@pytest.mark.parametrize("path", PAGED)
def test_the_largest_offset_is_an_empty_page(seeded: TestClient, path: str) -> None:
    assert seeded.get(path, params={"offset": limits.OFFSET.high}).status_code == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"days": limits.DAYS.high + 1}, f"days: must be between 1 and {limits.DAYS.high}"),
        ({"days": 10**20}, "days: must be between"),
        ({"since": "0001-01-01"}, "since: '0001-01-01' is out of range"),
        ({"since": "2020-01-01", "until": "9999-12-31"}, "until: '9999-12-31' is out of range"),
        ({"since": "2020-01-01", "until": "9999-12-31T23:00:00-05:00"}, "is out of range"),
    ],
)
def test_a_run_window_out_of_range_is_422(client: TestClient, body: dict[str, Any], expected: str) -> None:
    response = client.post("/api/pipeline/run", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"
    assert expected in response.json()["message"]
    assert client.get("/api/pipeline/history").json()["runs"] == []


@pytest.mark.parametrize("params", [{"since": "0001-01-01"}, {"until": "9999-12-31T23:00:00-05:00"}])
@pytest.mark.parametrize("path", ["/api/themes", "/api/themes/export_fails"])
def test_theme_dates_out_of_range_are_422(seeded: TestClient, path: str, params: dict[str, str]) -> None:
    response = seeded.get(path, params=params)
    assert response.status_code == 422
    assert "is out of range" in response.json()["message"]


@pytest.mark.parametrize("path", ["/api/themes", "/api/themes/export_fails"])
def test_a_period_that_ends_before_it_starts_is_422_in_the_api_s_words(seeded: TestClient, path: str) -> None:
    response = seeded.get(path, params={"since": "2026-12-01", "until": "2026-11-01"})
    assert response.status_code == 422
    assert (
        response.json()["message"].startswith("until must be after since")
        and "--" not in response.json()["message"]
    )
