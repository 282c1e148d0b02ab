"""The server-rendered dashboard: pages render from the database and escape every piece of customer text."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from convosift.analysis.base import NullAnalyzer
from convosift.api import create_app
from convosift.config import Settings

from .conftest import analysed, assert_no_secret, client_for, conversation, live_server, make_settings, seed

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _seed_hostile(settings: Settings) -> None:
    seed(
        settings,
        [
            analysed(
                conversation("x1", f"Export breaks {SCRIPT} again", subject=f"Export {SCRIPT}"),
                category="product_issue",
                theme="export_fails",
                evidence=f"Export breaks {SCRIPT}",
            ),
            analysed(
                conversation("x2", "<img src=x onerror=alert(2)> thanks"), kept=False, reason="too_short"
            ),
        ],
    )


def _assert_escaped(html: str) -> None:
    assert SCRIPT not in html
    assert "<img src=x" not in html
    assert "<script>" not in html.replace('<script src="', "")


def test_overview_renders_history_categories_and_themes(client: TestClient, settings: Settings) -> None:
    _seed_hostile(settings)
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "Run history" in html
    assert "product_issue" in html
    assert "export_fails" in html or "Export fails" in html
    assert "/static/convosift.js" in html
    assert "default-src 'self'" in response.headers["content-security-policy"]
    _assert_escaped(html)
    assert_no_secret(html)


def test_overview_without_a_vocabulary_says_how_to_get_themes(database_url: str) -> None:
    fresh = make_settings(database_url, vocabulary_path=None)
    seed(fresh, [analysed(conversation("f1", "How do I close my account?"), category="how_to_question")])
    with client_for(fresh, analyzer_factory=lambda _s: NullAnalyzer()) as fresh_client:
        html = fresh_client.get("/").text
    assert 'id="no-vocabulary"' in html and "convosift themes discover" in html
    assert "proposals</a> page" in html and '/proposals"' in html


def test_overview_with_a_vocabulary_but_no_match_does_not_ask_for_one(client: TestClient) -> None:
    html = client.get("/").text
    assert "No matched themes yet." in html and 'id="no-vocabulary"' not in html


def test_conversation_pages_escape_customer_text(client: TestClient, settings: Settings) -> None:
    _seed_hostile(settings)
    listing = client.get("/conversations").text
    assert ESCAPED in listing
    _assert_escaped(listing)
    detail = client.get("/conversations/x1").text
    assert f"Export breaks {ESCAPED} again" in detail
    _assert_escaped(detail)
    filtered = client.get("/conversations", params={"quality": "filtered"}).text
    assert "&lt;img src=x onerror=alert(2)&gt;" in filtered
    _assert_escaped(filtered)


def test_theme_pages_escape_evidence(client: TestClient, settings: Settings) -> None:
    _seed_hostile(settings)
    themes = client.get("/themes")
    assert themes.status_code == 200
    detail = client.get("/themes/export_fails")
    assert detail.status_code == 200
    assert f"Export breaks {ESCAPED}" in detail.text
    _assert_escaped(detail.text)


def test_filters_are_escaped_when_echoed(client: TestClient) -> None:
    html = client.get("/conversations", params={"theme": '"><script>alert(3)</script>'}).text
    assert "<script>alert(3)" not in html
    assert "&#34;&gt;&lt;script&gt;alert(3)" in html


def test_static_files_are_served_locally(client: TestClient) -> None:
    css = client.get("/static/convosift.css")
    js = client.get("/static/convosift.js")
    assert css.status_code == js.status_code == 200
    assert "textContent" in js.text
    assert "innerHTML" not in js.text
    for page in ("/", "/conversations", "/themes", "/proposals"):
        assert "http://" not in client.get(page).text.replace("http://testserver", "")
        assert "https://" not in client.get(page).text


def test_conversation_pages_keep_filters_across_pages(client: TestClient, settings: Settings) -> None:
    seed(
        settings,
        [
            analysed(
                conversation(f"p{i:03d}", f"message number {i}", updated_at=1_700_000_000 + i),
                category="billing_question",
            )
            for i in range(60)
        ],
    )
    first = client.get("/conversations", params={"category": "billing_question"}).text
    assert "p059" in first and "p010" in first and "p009" not in first
    assert 'href="?category=billing_question&amp;offset=50"' in first
    second = client.get("/conversations", params={"category": "billing_question", "offset": 50}).text
    assert "p009" in second and "p010" not in second
    assert 'href="?category=billing_question&amp;offset=0"' in second


# Ids are opaque: each holds characters a URL builder refuses or misreads (/ ? # % space, unicode,
# line breaks).
HOSTILE_IDS = (
    "a/b?c#d %e",
    "100%25 done",
    "%2F",
    "ünï/cödé ✓",
    "/leading and trailing/",
    "x/../y",
    "a\\b;c&d=e+f",
    # Line breaks and tabs (a file's id may hold anything): the path convertor stopped at them.
    "line\nbreak",
    "tab\there\r\n",
)


def _seed_hostile_ids(settings: Settings) -> None:
    seed(
        settings,
        [
            analysed(
                conversation(
                    conversation_id,
                    f"Export breaks for customer {number} every time",
                    subject=f"subject {number}",
                    updated_at=1_700_000_000 + number,
                ),
                theme="export_fails",
                evidence=f"Export breaks for customer {number}",
            )
            for number, conversation_id in enumerate(HOSTILE_IDS)
        ],
    )


def _conversation_links(html: str) -> set[str]:
    return {unescape(href) for href in re.findall(r'href="([^"]*/conversations/[^"]*)"', html)}


@pytest.mark.parametrize("page", ["/conversations", "/themes/export_fails"])
def test_any_id_round_trips_through_the_listing_links(settings: Settings, page: str) -> None:
    """Each listed conversation links to its page and, by the same path, to its API record."""
    _seed_hostile_ids(settings)
    # A real server: the TestClient decodes a path twice, which would mangle "100%25 done".
    with live_server(create_app(settings)) as base_url, httpx.Client(base_url=base_url) as http:
        listing = http.get(page)
        assert listing.status_code == 200
        links = _conversation_links(listing.text)
        assert len(links) == len(HOSTILE_IDS), links
        reached = set()
        for link in links:
            detail = http.get(link)
            assert detail.status_code == 200, link
            record = http.get(urlsplit(link).path.replace("/conversations/", "/api/conversations/", 1))
            assert record.status_code == 200, link
            conversation_id = record.json()["id"]
            assert f"<code>{escape(conversation_id)}</code>" in detail.text
            reached.add(conversation_id)
    assert reached == set(HOSTILE_IDS)
