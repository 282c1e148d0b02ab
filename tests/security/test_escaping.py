"""Conversation text holding HTML and JavaScript, from the source to every place that shows it.

The customer wrote markup as text (Intercom sends it entity-encoded, so it survives as literal
``<script>`` in the stored text). After a real backfill (the LLM backend against the local
OpenAI-compatible server, which classifies and quotes deterministically), the HTML report, the
dashboard pages and the API must show it as text, never as markup. Escaping of hand-seeded rows
in the dashboard and the report is covered by tests/api/test_dashboard.py and
tests/themes/test_theme_report.py; this test follows real pipeline output."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

import services as service
from convosift.api import create_app
from convosift.cli import app
from convosift.config import load_settings
from convosift.domain import RunStatus, Window
from convosift.mock.inbox import Inbox
from convosift.themes.vocabulary import demo_vocabulary_path
from openai_server import openai_server

PAYLOADS = (
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(2)">click</a>',
)
# The local OpenAI-compatible server matches a theme when most words of its signature appear
# (double_charged_after_plan_change) and quotes the first sentence as evidence: deterministic.
TEXT = (
    f"I was double charged after my plan change {PAYLOADS[0]}. "
    f"The card shows the same amount taken two times. Screenshots: {PAYLOADS[1]} {PAYLOADS[2]}"
)


def _export_with_markup(path: Path) -> None:
    inbox = Inbox(3, 5, 30, 1_750_000_000)
    lines = []
    for number, plan in enumerate(inbox.plans, start=1):
        payload = inbox.render(plan)
        payload["id"] = str(number)
        # Entity-encoded, as Intercom's HTML bodies carry text that looks like markup.
        payload["source"]["body"] = (
            "<p>" + TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + "</p>"
        )
        payload["source"]["subject"] = "&lt;script&gt;alert('subject')&lt;/script&gt;"
        lines.append(json.dumps(payload))
    path.write_text("\n".join(lines) + "\n")


def _unescaped(html: str) -> list[str]:
    return [payload for payload in (*PAYLOADS, "<script>alert('subject')") if payload in html]


def test_markup_in_conversations_is_escaped_in_report_dashboard_and_api(
    tmp_path: Path, sqlite_url: str
) -> None:
    export = tmp_path / "export.jsonl"
    _export_with_markup(export)
    with openai_server() as llm:
        settings = load_settings(
            database_url=sqlite_url,
            source="files",
            source_path=export,
            classifier="llm",
            llm_base_url=llm.base_url,
            llm_api_key=SecretStr("sk-escaping"),
            vocabulary_path=demo_vocabulary_path(),
        )
        record = service.start_run(settings, window=Window(since=0, until=2**31))
    assert record.status is RunStatus.COMPLETED
    with service.open_store(settings).read() as conn:
        stored = conn.exec_driver_sql("SELECT customer_text FROM conversations").scalars().all()
    assert any("<script>alert('xss')</script>" in text for text in stored)  # kept as the customer wrote it

    report = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        ["report", "--format", "html", "--out", str(report)],
        env={"CONVOSIFT_DATABASE_URL": sqlite_url, "CONVOSIFT_VOCABULARY": str(demo_vocabulary_path())},
    )
    assert result.exit_code == 0, result.output
    html = report.read_text()
    assert _unescaped(html) == []
    assert "&lt;script&gt;" in html or "&lt;img" in html  # the text is shown, escaped

    with TestClient(create_app(settings)) as client:
        for path in ("/", "/conversations", "/conversations/1", "/themes"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert _unescaped(page.text) == [], path
        assert "&lt;script&gt;alert(" in client.get("/conversations/1").text
        api = client.get("/api/conversations/1")
        assert api.headers["content-type"].startswith("application/json")
        assert "<script>alert('xss')</script>" in api.json()["customer_text"]
