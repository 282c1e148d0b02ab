"""The dashboard in headless Chromium: live counters follow a run, hostile text never executes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from convosift.api import create_app
from convosift.mock.server import serve_in_thread
from convosift.mock.state import MockIntercomConfig
from convosift.sources.intercom import IntercomSource

from .conftest import (
    INTERCOM_TOKEN,
    GatedAnalyzer,
    analysed,
    conversation,
    live_server,
    make_settings,
    seed,
    watch,
)

pytestmark = pytest.mark.browser


def test_live_counters_follow_a_run_and_hostile_text_stays_text(sqlite_url: str, chromium: Any) -> None:
    from playwright.sync_api import expect

    with serve_in_thread(MockIntercomConfig(conversations=40, token=INTERCOM_TOKEN)) as intercom:
        settings = make_settings(sqlite_url, intercom_base_url=intercom.base_url)
        hostile = conversation(
            "x1", "<script>alert(1)</script><img src=x onerror=alert(2)>", subject="<b>bold</b>"
        )
        seed(
            settings,
            [analysed(hostile, theme="export_fails", evidence="<script>alert(3)</script>")],
            source="archive",
        )
        gate = GatedAnalyzer(hold_batches=lambda call: call == 2)
        app = create_app(settings, source_factory=IntercomSource, analyzer_factory=lambda _s: gate)
        with live_server(app) as base_url:
            run = httpx.post(f"{base_url}/api/pipeline/run", json={"days": 400, "batch_size": 10}).json()
            assert gate.entered.wait(30)
            page = chromium.new_page()
            problems = watch(page, base_url)
            page.goto(f"{base_url}/")
            listed = page.locator(f'article[data-run-id="{run["id"]}"] [data-count="listed"]')
            assert listed.text_content() == "10"
            gate.release.set()
            expect(listed).to_have_text("40", timeout=20_000)
            # Once the run has ended the page reloads and lists it in the history.
            page.wait_for_selector("text=No run is active", timeout=20_000)
            assert "completed" in page.locator("section.panel >> nth=-1").inner_text()
            for path in ("/conversations", "/conversations/x1", "/themes/export_fails"):
                page.goto(f"{base_url}{path}")
                assert page.locator("script:not([src])").count() == 0
                assert page.locator("img").count() == 0
            page.goto(f"{base_url}/conversations/x1")
            assert "<script>alert(1)</script>" in page.locator("pre.body").inner_text()
            assert page.locator("b").count() == 0
    assert problems == []
