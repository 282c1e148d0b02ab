"""Fixtures of the API tests: settings with known secrets, a running app, seeded conversations."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from browser import CHROMIUM, CHROMIUM_ARGS
from convosift.analysis.base import NullAnalyzer
from convosift.api import create_app
from convosift.config import Settings, load_settings
from convosift.domain import (
    Analysis,
    Classification,
    ClassificationStatus,
    Conversation,
    QualityOutcome,
    ThemeMatch,
)
from convosift.store import Store
from convosift.store.conversations import ConversationResult, save_results
from convosift.store.proposals import ClusterContent, insert_proposal
from convosift.themes.vocabulary import demo_vocabulary_path

INTERCOM_TOKEN = "icm-live-token-7f3a9b2c1d"
LLM_KEY = "sk-llm-key-5e6d7c8b9a"
API_TOKEN = "api-token-0b1c2d3e4f5a"
SECRETS = (INTERCOM_TOKEN, LLM_KEY, API_TOKEN)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "intercom_access_token": INTERCOM_TOKEN,
        "llm_api_key": LLM_KEY,
        # The seeded conversations carry the demo shop's themes.
        "vocabulary_path": demo_vocabulary_path(),
    }
    return load_settings(**{**values, **overrides})


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings over a fresh SQLite file and a fresh PostgreSQL database, with known secrets set."""
    return make_settings(database_url)


@contextmanager
def client_for(settings: Settings, **factories: Any) -> Iterator[TestClient]:
    """A TestClient whose app lifespan (and its background runs) ends with the block."""
    with TestClient(create_app(settings, **factories), raise_server_exceptions=False) as client:
        yield client


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yields its base URL.

    For what the TestClient does not reproduce: it percent-decodes a request path twice, so an id
    holding ``%25`` reaches the app differently than through a real server.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            threading.Event().wait(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with client_for(settings, analyzer_factory=lambda _s: NullAnalyzer()) as test_client:
        yield test_client


def conversation(
    conversation_id: str, text: str, *, updated_at: int = 1_700_000_000, subject: str | None = None
) -> Conversation:
    return Conversation(
        id=conversation_id,
        created_at=updated_at - 60,
        updated_at=updated_at,
        subject=subject,
        opener=text,
    )


def analysed(
    item: Conversation,
    *,
    category: str | None = "product_issue",
    theme: str | None = None,
    evidence: str | None = None,
    kept: bool = True,
    reason: str | None = None,
    needs_review: bool = False,
) -> ConversationResult:
    if not kept:
        return ConversationResult(item, QualityOutcome(kept=False, reason=reason or "too_short"), None)
    status = ClassificationStatus.CLASSIFIED if category else ClassificationStatus.FAILED
    analysis = Analysis(
        classification=Classification(
            status=status, category=category, confidence=0.9, classifier="test", needs_review=needs_review
        ),
        theme=ThemeMatch(signature=theme, score=0.8 if theme else 0.0, evidence=evidence, matcher="test"),
    )
    return ConversationResult(item, QualityOutcome(kept=True, reason=reason), analysis)


def seed(settings: Settings, results: Sequence[ConversationResult], source: str = "intercom") -> None:
    """Store conversations the way the pipeline does."""
    store = Store(settings.database_url)
    try:
        with store.write() as conn:
            save_results(conn, source, "seedrun", 1_700_000_000.0, results)
    finally:
        store.dispose()


class GatedAnalyzer:
    """Analyzer that waits for the test before finishing chosen batches (to stop at a known boundary)."""

    name = "gated"

    def __init__(self, hold_batches: Callable[[int], bool]) -> None:
        self.calls = 0
        self.entered = threading.Event()
        self.release = threading.Event()
        self._hold = hold_batches
        self._inner = NullAnalyzer()

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        self.calls += 1
        if self._hold(self.calls):
            self.entered.set()
            await asyncio.to_thread(self.release.wait, 30)
        return await self._inner.analyze(conversations)

    async def aclose(self) -> None:
        return None


def seed_proposal(
    settings: Settings,
    proposal_id: str,
    members: Sequence[str],
    *,
    title: str = "Dark mode for the dashboard",
    signature: str = "dark_mode_dashboard",
    source: str = "intercom",
) -> None:
    """Store an open proposal of ``members`` (conversation ids) the way discovery does."""
    content = ClusterContent(
        key_phrases=["dark mode", "dashboard"],
        members=[[source, member] for member in members],
        evidence=[
            {"source": source, "conversation_id": member, "quote": f"Dark mode please ({member})"}
            for member in members[:2]
        ],
        centroid=[0.0],
    )
    store = Store(settings.database_url)
    try:
        with store.write() as conn:
            insert_proposal(conn, proposal_id, content, signature=signature, title=title, now=1_700_000_000.0)
    finally:
        store.dispose()


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (skipped when it is not installed, except in CI)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required in CI")
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch(page: Any, base_url: str) -> list[str]:
    """Collect what should never happen on a page: script errors, dialogs, requests elsewhere, 4xx/5xx."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: None if r.url.startswith(base_url) else problems.append(f"request {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return problems
