"""The themes report in every format, escaping, and the HTML report in a real headless browser."""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from themes_seeding import DAY, START, Seed, seed

from browser import CHROMIUM, CHROMIUM_ARGS
from convosift.errors import ConfigurationError
from convosift.store import Store
from convosift.themes.report import render, report_data, write_report
from convosift.themes.vocabulary import EMPTY_VOCABULARY, Vocabulary, demo_vocabulary_path, load_vocabulary

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> | `tick`'
FROZEN = datetime(2026, 4, 1, tzinfo=UTC)


def _data(database_url: str, vocabulary: Vocabulary | None = None) -> dict[str, Any]:
    store = Store(database_url)
    try:
        rows = []
        for day in range(70):
            t = START + day * DAY
            rows.append(Seed(f"d{day}", t, "Coupon does nothing.", "discount_code_not_applied"))
            review = day % 10 == 0  # seven labels the classifier was unsure of
            rows.append(
                Seed(f"h{day}", t + 1, "How do I export?", None, "how_to_question", needs_review=review)
            )
            if day >= 56 or day == 3:
                rows.append(Seed(f"a{day}", t + 2, HOSTILE, "apple_pay_button_missing_at_checkout"))
        seed(store, rows)
        proposals = [
            {
                "id": "p1",
                "signature": "dark_mode",
                "title": HOSTILE,
                "key_phrases": ["dark"],
                "size": 6,
                "status": "proposed",
                "decided_signature": None,
                "quotes": [HOSTILE],
            }
        ]
        chosen = vocabulary if vocabulary is not None else load_vocabulary(demo_vocabulary_path())
        return report_data(store, chosen, generated_at=FROZEN, proposals=proposals)
    finally:
        store.dispose()


@pytest.fixture
def data(sqlite_url: str) -> dict[str, Any]:
    import convosift.store.themes_schema  # noqa: F401

    return _data(sqlite_url)


def test_html_is_self_contained_and_escapes_conversation_text(data: dict[str, Any]) -> None:
    html = render(data, "html")
    assert "<script" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert html.count('class="sparkline"') == 2
    assert 'id="rising-chart"' in html and 'id="mix-chart"' in html and 'id="categories"' in html
    assert "Generated 2026-04-01T00:00:00+00:00" in html


def test_markdown_and_csv(data: dict[str, Any]) -> None:
    markdown = render(data, "md")
    assert (
        "| Discount codes have no effect at checkout (`discount_code_not_applied`) | storefront | 70 |"
        in markdown
    )
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown and "\\|" in markdown
    assert "## Rising themes" in markdown and "apple_pay_button_missing_at_checkout" in markdown
    # The category mix, with how many labels of each are guesses to review.
    assert "| product_issue | 85 | 54.8 % | 0 |" in markdown
    assert "| how_to_question | 70 | 45.2 % | 7 |" in markdown
    rows = list(csv.DictReader(io.StringIO(render(data, "csv"))))
    assert [r["signature"] for r in rows] == [
        "discount_code_not_applied",
        "apple_pay_button_missing_at_checkout",
    ]
    assert rows[1]["rising"] == "True" and rows[1]["top_quote"] == HOSTILE


def test_without_a_vocabulary_the_report_says_how_to_get_themes(sqlite_url: str) -> None:
    import convosift.store.themes_schema  # noqa: F401

    store = Store(sqlite_url)
    try:
        seed(store, [Seed("h1", START, "How do I export?", None, "how_to_question")])
        fresh = report_data(store, EMPTY_VOCABULARY, generated_at=FROZEN)
    finally:
        store.dispose()
    markdown, html = render(fresh, "md"), render(fresh, "html")
    assert "· no theme vocabulary" in markdown and "· no theme vocabulary" in html
    assert "`convosift themes discover` proposes themes" in markdown and 'id="no-vocabulary"' in html
    assert "1 conversations, 0 matched to a theme" in markdown


def test_themes_stored_without_an_active_vocabulary_ask_for_the_setting(sqlite_url: str) -> None:
    import convosift.store.themes_schema  # noqa: F401

    markdown = render(_data(sqlite_url, EMPTY_VOCABULARY), "md")
    assert "No theme vocabulary is active: set `CONVOSIFT_VOCABULARY`" in markdown
    assert "No theme vocabulary yet" not in markdown and "(`discount_code_not_applied`)" in markdown


def test_a_vocabulary_is_named_by_its_hash_and_asks_for_nothing(data: dict[str, Any]) -> None:
    markdown, html = render(data, "md"), render(data, "html")
    assert f"vocabulary `{data['vocabulary_hash']}`" in markdown and "no theme vocabulary" not in markdown
    assert 'id="no-vocabulary"' not in html and data["vocabulary_themes"] > 0


def test_unknown_format_and_unwritable_path(data: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown report format"):
        render(data, "pdf")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigurationError, match="cannot write"):
        write_report(data, "md", blocker / "report.md")


@pytest.mark.browser
def test_html_report_renders_in_headless_chromium(data: dict[str, Any], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required in CI")
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    path = write_report(data, "html", tmp_path / "report.html")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
            page.on(
                "request",
                lambda r: problems.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
            )
            page.goto(path.as_uri())
            for selector in ("#rising-chart svg", "#mix-chart svg", "svg.sparkline"):
                box = page.locator(selector).first.bounding_box()
                assert box is not None and box["width"] > 50 and box["height"] > 10, selector
            assert page.locator("#mix-chart svg rect").count() > 20
            assert page.locator("#themes tbody tr").count() == 2
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
