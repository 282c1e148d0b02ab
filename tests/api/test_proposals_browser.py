"""Curation in headless Chromium: accepting a proposal on the Proposals page themes its conversations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from convosift.api import create_app
from convosift.themes.vocabulary import demo_vocabulary_path

from .conftest import (
    API_TOKEN,
    analysed,
    conversation,
    live_server,
    make_settings,
    seed,
    seed_proposal,
    watch,
)

pytestmark = pytest.mark.browser

DAY = 86_400
NOW = 1_700_000_000
MEMBERS = ["d1", "d2", "d3", "d4"]


def test_accepting_a_proposal_in_the_browser_themes_its_conversations(
    sqlite_url: str, tmp_path: Path, chromium: Any
) -> None:
    from playwright.sync_api import expect

    vocabulary_file = tmp_path / "vocabulary.yaml"
    vocabulary_file.write_text(demo_vocabulary_path().read_text(encoding="utf-8"), encoding="utf-8")
    settings = make_settings(sqlite_url, vocabulary_path=vocabulary_file, api_token=API_TOKEN)
    seed(
        settings,
        [
            analysed(
                conversation(
                    m, f"Please add a dark mode to the dashboard ({m})", updated_at=NOW - i * 7 * DAY
                ),
                theme=None,
            )
            for i, m in enumerate(MEMBERS)
        ]
        + [analysed(conversation("other", "Where is my invoice?", updated_at=NOW), theme=None)],
    )
    seed_proposal(settings, "p0000dark", MEMBERS, title="Dark mode for the dashboard")
    with live_server(create_app(settings)) as base_url:
        page = chromium.new_page()
        problems = watch(page, base_url)
        page.goto(f"{base_url}/")
        page.get_by_role("link", name="Proposals").click()
        proposal = page.locator("article#proposal-p0000dark")
        expect(proposal.locator("h2")).to_have_text("Dark mode for the dashboard")
        assert proposal.locator("[data-field=size]").inner_text() == "4"
        assert proposal.locator("svg.sparkline").count() == 1
        assert proposal.locator("figure.weekly rect").count() >= 4
        assert "dark mode" in proposal.locator("ul.phrases").inner_text()
        assert proposal.locator("blockquote").count() == 2
        assert proposal.locator("table a").count() == 3

        # Without the token the API refuses, and the page says what to do.
        accept = proposal.locator('form[data-action="accept"]')
        accept.get_by_role("button", name="Accept").click()
        expect(proposal.locator(".outcome")).to_contain_text("needs the API token")
        page.fill("#api-token", API_TOKEN)
        accept.get_by_role("button", name="Accept").click()
        expect(proposal.locator(".outcome")).to_contain_text(
            "Accepted as dark_mode_dashboard — 4 conversations themed."
        )
        # Only the proposal's own conversations: the page says how the earlier ones get the theme.
        expect(proposal.locator(".outcome")).to_contain_text("convosift themes rematch")
        proposal.get_by_role("link", name="Open the theme").click()
        expect(page.locator("h2")).to_contain_text("Dark mode for the dashboard")
        assert page.locator("dl.facts dd").first.inner_text() == "4"
        assert page.locator("figure.weekly rect").count() >= 4
        listed = {
            row.inner_text().split("\n")[0] for row in page.locator("table tbody tr td:first-child a").all()
        }
        assert listed == set(MEMBERS)

        page.goto(f"{base_url}/proposals")
        expect(page.locator("text=No open proposals")).to_be_visible()
        page.goto(f"{base_url}/themes")
        assert (
            page.locator("tr", has_text="Dark mode for the dashboard").locator("svg.sparkline").count() == 1
        )

        themed = httpx.get(f"{base_url}/api/conversations", params={"theme": "dark_mode_dashboard"}).json()
        assert sorted(item["id"] for item in themed["items"]) == sorted(MEMBERS)
        unmatched = httpx.get(f"{base_url}/api/conversations", params={"theme": "unmatched"}).json()
        assert [item["id"] for item in unmatched["items"]] == ["other"]
    # The refused first click is the only failed request (and Chromium's console line about it).
    assert problems and all("401" in problem for problem in problems), problems
