"""Proposals over the API: the list a person decides from, and accept, rename, merge, dismiss and reopen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from convosift.analysis.base import NullAnalyzer
from convosift.api.app import create_app
from convosift.config import Settings
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary

from .conftest import (
    API_TOKEN,
    analysed,
    client_for,
    conversation,
    live_server,
    make_settings,
    seed,
    seed_proposal,
)

DAY = 86_400
NOW = 1_700_000_000
MEMBERS = ["d1", "d2", "d3"]


@pytest.fixture
def vocabulary_file(tmp_path: Path) -> Path:
    path = tmp_path / "vocabulary.yaml"
    path.write_text(demo_vocabulary_path().read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def curated(sqlite_url: str, vocabulary_file: Path) -> Settings:
    """Settings over real SQLite with a vocabulary file of their own, seeded with one open proposal."""
    settings = make_settings(sqlite_url, vocabulary_path=vocabulary_file)
    seed(
        settings,
        [
            analysed(conversation(m, f"Please add dark mode ({m})", updated_at=NOW - i * 8 * DAY), theme=None)
            for i, m in enumerate(MEMBERS)
        ],
    )
    seed_proposal(settings, "p0000dark", MEMBERS)
    return settings


@pytest.fixture
def curating(curated: Settings) -> Iterator[TestClient]:
    with client_for(curated, analyzer_factory=lambda _s: NullAnalyzer()) as test_client:
        yield test_client


def _themes_of(client: TestClient) -> dict[str, str | None]:
    items = client.get("/api/conversations", params={"quality": "kept"}).json()["items"]
    return {item["id"]: item["theme"] for item in items}


def test_open_proposals_come_with_what_a_person_decides_from(curating: TestClient) -> None:
    body = curating.get("/api/proposals").json()
    (proposal,) = body["proposals"]
    assert proposal["id"] == "p0000dark"
    assert proposal["title"] == "Dark mode for the dashboard"
    assert proposal["size"] == 3
    assert proposal["key_phrases"] == ["dark mode", "dashboard"]
    assert proposal["quotes"] == ["Dark mode please (d1)", "Dark mode please (d2)"]
    assert [point["week"] for point in proposal["series"]] == body["weeks"]
    assert sum(point["count"] for point in proposal["series"]) == 3
    assert len(body["weeks"]) >= 3
    assert [sample["id"] for sample in proposal["samples"]] == MEMBERS
    assert proposal["samples"][0]["excerpt"] == "Please add dark mode (d1)"


def test_accept_themes_the_members_and_closes_the_proposal(
    curating: TestClient, vocabulary_file: Path
) -> None:
    response = curating.post("/api/proposals/p0000dark/accept", json={"signature": "dark_mode_request"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "action": "accept",
        "signature": "dark_mode_request",
        "target": None,
        "matches_changed": 3,
        "note": "proposal p0000dark",
    }
    assert set(_themes_of(curating).values()) == {"dark_mode_request"}
    assert load_vocabulary(vocabulary_file).get("dark_mode_request").title == "Dark mode for the dashboard"
    assert curating.get("/api/proposals").json()["proposals"] == []
    assert curating.get("/api/themes/dark_mode_request").json()["count"] == 3
    again = curating.post("/api/proposals/p0000dark/accept")
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"


def test_rename_then_accept_uses_the_new_title_and_signature(curating: TestClient) -> None:
    renamed = curating.post(
        "/api/proposals/p0000dark/rename", json={"title": "Dark mode", "signature": "dark_mode"}
    )
    assert renamed.status_code == 200, renamed.text
    (proposal,) = curating.get("/api/proposals").json()["proposals"]
    assert (proposal["title"], proposal["signature"]) == ("Dark mode", "dark_mode")
    assert curating.post("/api/proposals/p0000dark/accept").json()["signature"] == "dark_mode"
    assert curating.get("/api/themes/dark_mode").json()["title"] == "Dark mode"


def test_merge_moves_the_members_into_an_active_theme(curating: TestClient) -> None:
    response = curating.post("/api/proposals/p0000dark/merge", json={"into": "discount_code_not_applied"})
    assert response.status_code == 200, response.text
    assert response.json()["matches_changed"] == 3
    assert set(_themes_of(curating).values()) == {"discount_code_not_applied"}


def test_dismiss_closes_the_proposal_and_leaves_the_members_unmatched(curating: TestClient) -> None:
    response = curating.post("/api/proposals/p0000dark/dismiss")
    assert response.status_code == 200, response.text
    assert response.json()["action"] == "dismiss"
    assert curating.get("/api/proposals").json()["proposals"] == []
    assert set(_themes_of(curating).values()) == {None}
    # Undone: open again, as it was proposed.
    reopened = curating.post("/api/proposals/p0000dark/reopen")
    assert reopened.status_code == 200 and reopened.json()["action"] == "reopen", reopened.text
    assert [p["id"] for p in curating.get("/api/proposals").json()["proposals"]] == ["p0000dark"]
    assert curating.post("/api/proposals/p0000dark/reopen").status_code == 409


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/api/proposals/p-unknown/accept", None, 404, "not_found"),
        ("/api/proposals/p-unknown/rename", {"title": "x"}, 404, "not_found"),
        ("/api/proposals/p-unknown/merge", {"into": "discount_code_not_applied"}, 404, "not_found"),
        ("/api/proposals/p-unknown/dismiss", None, 404, "not_found"),
        ("/api/proposals/p0000dark/rename", {}, 422, "validation_error"),
        ("/api/proposals/p0000dark/rename", {"title": "   "}, 422, "configuration_error"),
        ("/api/proposals/p0000dark/rename", {"name": "x"}, 422, "validation_error"),
        ("/api/proposals/p0000dark/accept", {"signature": "Not Snake"}, 422, "configuration_error"),
        (
            "/api/proposals/p0000dark/accept",
            {"signature": "gift_card_support_request"},
            422,
            "configuration_error",
        ),
        ("/api/proposals/p0000dark/merge", {}, 422, "validation_error"),
        ("/api/proposals/p0000dark/merge", {"into": "no_such_theme"}, 404, "not_found"),
    ],
)
def test_bad_requests_are_clear_4xx_and_change_nothing(
    curating: TestClient, path: str, body: dict[str, str] | None, status: int, error: str
) -> None:
    response = curating.post(path, json=body) if body is not None else curating.post(path)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["message"]
    assert len(curating.get("/api/proposals").json()["proposals"]) == 1
    assert set(_themes_of(curating).values()) == {None}


def test_errors_of_a_decision_speak_the_api_s_words(curating: TestClient) -> None:
    taken = curating.post("/api/proposals/p0000dark/accept", json={"signature": "gift_card_support_request"})
    assert "--" not in taken.json()["hint"]  # no flag that only the command line has
    assert "POST /api/proposals/p0000dark/merge" in taken.json()["hint"]
    assert "convosift themes merge p0000dark gift_card_support_request" in taken.json()["hint"]
    broken = curating.post(
        "/api/proposals/p0000dark/accept",
        content=b'{"signature": ',
        headers={"content-type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.json()["message"].startswith("the request body is not valid JSON (")
    assert "at character" in broken.json()["message"]


def test_decisions_need_the_token_when_one_is_set(curated: Settings) -> None:
    guarded = make_settings(
        curated.database_url, vocabulary_path=curated.vocabulary_path, api_token=API_TOKEN
    )
    with client_for(guarded) as client:
        assert client.get("/api/proposals").status_code == 200
        for action in ("accept", "dismiss"):
            refused = client.post(f"/api/proposals/p0000dark/{action}")
            assert refused.status_code == 401
            assert refused.json()["error"] == "unauthorized"
        accepted = client.post(
            "/api/proposals/p0000dark/accept", headers={"Authorization": f"Bearer {API_TOKEN}"}
        )
        assert accepted.status_code == 200, accepted.text


def test_curation_without_a_vocabulary_file_says_what_to_set(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, vocabulary_path=None)
    seed_proposal(settings, "p0000dark", MEMBERS)
    with client_for(settings) as client:
        response = client.post("/api/proposals/p0000dark/dismiss")
    assert response.status_code == 422
    assert "CONVOSIFT_VOCABULARY" in response.json()["hint"]


def test_the_proposals_page_shows_each_open_proposal_with_its_forms(curating: TestClient) -> None:
    html = curating.get("/").text
    assert 'href="http://testserver/proposals"' in html
    assert "1 open proposal</a> group some of them" in " ".join(html.split())
    page = curating.get("/proposals")
    assert page.status_code == 200
    html = page.text
    assert "Content-Security-Policy" in page.headers
    assert "Dark mode for the dashboard" in html
    assert '<svg class="sparkline"' in html and 'figure class="weekly"' in html
    assert "dark mode" in html and "Dark mode please (d1)" in html
    assert "Please add dark mode (d2)" in html
    for action in ("accept", "rename", "merge", "dismiss"):
        assert f'data-url="http://testserver/api/proposals/p0000dark/{action}"' in html
    assert '<option value="discount_code_not_applied">' in html
    # No theme is chosen for a merge until the person picks one (the first theme was, by default).
    assert '<option value="" selected disabled>choose a theme</option>' in html
    assert 'id="api-token"' not in html


def test_the_proposals_page_escapes_titles_and_asks_for_the_token_when_one_is_set(
    curated: Settings,
) -> None:
    guarded = make_settings(
        curated.database_url, vocabulary_path=curated.vocabulary_path, api_token=API_TOKEN
    )
    seed_proposal(guarded, "p0000evil", ["d1"], title="<script>alert(1)</script>", signature="evil_one")
    with client_for(guarded) as client:
        html = client.get("/proposals").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'id="api-token"' in html
    assert API_TOKEN not in html


def test_no_open_proposal_says_how_to_find_some(sqlite_url: str) -> None:
    with client_for(make_settings(sqlite_url)) as client:
        html = client.get("/proposals").text
    assert "No open proposals" in html


def test_the_themes_page_draws_a_weekly_trend_per_theme(curating: TestClient) -> None:
    curating.post("/api/proposals/p0000dark/accept")
    html = curating.get("/themes").text
    assert '<svg class="sparkline"' in html and "weekly counts: " in html
    assert 'figure class="weekly"' in curating.get("/themes/dark_mode_dashboard").text


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({"Origin": "http://evil.example", "Content-Type": "text/plain"}, True),
        ({"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"}, True),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, True),
        ({"Sec-Fetch-Site": "same-site"}, True),
        ({"Sec-Fetch-Site": "same-origin"}, False),
        ({}, False),  # the CLI, curl, a script: not a browser
        ({"Origin": "SELF"}, False),  # the dashboard's own page, in a browser without Sec-Fetch-Site
    ],
    ids=[
        "other site",
        "sandboxed page",
        "fetch from another site",
        "sibling site",
        "own page",
        "no browser",
        "own origin",
    ],
)
def test_a_browser_cannot_be_made_to_change_things_from_another_site(
    curated: Settings, headers: dict[str, str], refused: bool
) -> None:
    """With no API token (the default) any page the user visited could POST a form to the local
    server and dismiss or accept proposals, or stop a backfill: such requests need no preflight."""
    with live_server(create_app(curated)) as url:
        sent = {name: url if value == "SELF" else value for name, value in headers.items()}
        answer = httpx.post(f"{url}/api/proposals/p0000dark/dismiss", headers=sent, content=b"", timeout=30)
        still_open = httpx.get(f"{url}/api/proposals", timeout=30).json()
    open_ids = {proposal["id"] for proposal in still_open["proposals"]}
    if refused:
        assert answer.status_code == 403 and answer.json()["error"] == "cross_site_request"
        assert "p0000dark" in open_ids
    else:
        assert answer.status_code == 200, answer.text
        assert "p0000dark" not in open_ids
