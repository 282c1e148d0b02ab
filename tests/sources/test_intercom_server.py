"""The Intercom source against the running local Intercom-compatible server (real HTTP)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from convosift.config import load_settings
from convosift.domain import Conversation, Page, Skipped, Window
from convosift.errors import AuthenticationError, InvalidCursorError, SourceRetriableError
from convosift.filtering import REASONS, RECOVERED_FOLLOWUP, FilterRules, assess
from convosift.mock.plan import Kind
from convosift.mock.server import MockIntercomHandle
from convosift.sources.intercom import IntercomSource, RetryPolicy

Server = Callable[..., MockIntercomHandle]
QUICK_RETRY = RetryPolicy(max_retries=6, base_delay=0.02, max_delay=0.2)
EVERYTHING = Window(since=0, until=2**31)


def source_for(
    server: MockIntercomHandle, retry: RetryPolicy = QUICK_RETRY, **settings: Any
) -> IntercomSource:
    values: dict[str, Any] = {
        "intercom_access_token": server.token,
        "intercom_base_url": server.base_url,
        "intercom_per_page": 150,
        "intercom_fetch_concurrency": 8,
        "intercom_timeout_seconds": 5.0,
    }
    values.update(settings)
    return IntercomSource(load_settings(**values), retry=retry)


async def list_ids(source: IntercomSource, window: Window, cursor: str | None = None) -> list[str]:
    return [item.id async for page in source.pages(window, cursor) for item in page.items]


async def fetch_all(source: IntercomSource) -> list[Conversation]:
    results = await source.details(await list_ids(source, EVERYTHING))
    assert all(isinstance(result, Conversation) for result in results), [
        r for r in results if isinstance(r, Skipped)
    ]
    return [result for result in results if isinstance(result, Conversation)]


async def test_windows_list_every_conversation_exactly_once(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=120, days_span=365)
    plans = server.state.inbox.plans
    lowest, highest = min(p.updated_at for p in plans), max(p.updated_at for p in plans)
    edges = [lowest, *(lowest + (highest - lowest) * n // 5 for n in range(1, 5)), highest + 1]
    # A conversation updated exactly on an edge belongs to the later window only.
    edges[2] = plans[40].updated_at
    edges = sorted(set(edges))
    seen: list[str] = []
    async with source_for(server, intercom_per_page=7) as source:
        for since, until in itertools.pairwise(edges):
            window = Window(since=since, until=until)
            pages: list[Page] = [page async for page in source.pages(window)]
            ids = [item.id for page in pages for item in page.items]
            expected = {p.id for p in plans if since <= p.updated_at < until}
            assert sorted(ids) == sorted(expected)
            assert all(since <= item.updated_at < until for page in pages for item in page.items)
            assert pages[-1].next_cursor is None
            assert all(a.next_cursor == b.cursor for a, b in itertools.pairwise(pages))
            seen += ids
    assert sorted(seen) == sorted(p.id for p in plans)


async def test_pacing_keeps_under_the_rate_limit(mock_intercom: Server) -> None:
    # 41 requests against 25 per 10 s: the budget of at least two windows has to be spread.
    server = mock_intercom(conversations=40, rate_limit=25)
    async with source_for(server) as source:
        conversations = await fetch_all(source)
    assert len(conversations) == 40
    assert server.stats["search"] + server.stats["retrieve"] == 41
    assert server.stats["rate_limited"] <= 1


async def test_429_waits_for_the_reset_and_recovers(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=40, rate_limit=5)
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}
    ) as other_client:
        while other_client.get("/me").status_code != 429:
            pass  # another process spends this window's budget
    async with source_for(server) as source:
        results = await source.details(["215000001", "215000002"])
    assert all(isinstance(result, Conversation) for result in results)
    assert server.stats["rate_limited"] >= 2


async def test_5xx_are_retried(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=30, fault_burst=3, fault_rate=0.1)
    async with source_for(server) as source:
        conversations = await fetch_all(source)
    assert len(conversations) == 30
    assert server.stats["faults"] >= 3


async def test_truncated_bodies_are_retried(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=30, truncate_rate=0.15)
    async with source_for(server) as source:
        conversations = await fetch_all(source)
    assert len(conversations) == 30
    assert server.stats["faults"] > 0


async def test_stalled_requests_time_out_and_are_retried(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=20, hang_rate=0.1, hang_seconds=1.5)
    async with source_for(server, intercom_timeout_seconds=0.3) as source:
        conversations = await fetch_all(source)
    assert len(conversations) == 20
    assert server.stats["faults"] > 0


async def test_a_server_slower_than_the_timeout_fails_retriably(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=5, latency_ms=400)
    retry = RetryPolicy(max_retries=1, base_delay=0.01, max_delay=0.01)
    async with source_for(server, retry, intercom_timeout_seconds=0.1) as source:
        with pytest.raises(SourceRetriableError, match="did not answer"):
            await list_ids(source, EVERYTHING)


async def test_bad_token_is_an_authentication_error(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=5)
    async with source_for(server, intercom_access_token="not-the-token") as source:
        with pytest.raises(AuthenticationError) as caught:
            await list_ids(source, EVERYTHING)
    assert "INTERCOM_ACCESS_TOKEN" in str(caught.value)
    assert "not-the-token" not in str(caught.value)


async def test_expired_cursor_is_an_invalid_cursor_error(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=30)
    async with source_for(server, intercom_per_page=10) as source:
        first = await anext(source.pages(EVERYTHING))
        assert first.next_cursor is not None
        server.state.expire_cursors()
        with pytest.raises(InvalidCursorError):
            await list_ids(source, EVERYTHING, first.next_cursor)


async def test_long_threads_report_the_500_part_cap(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=60)
    long_thread = next(p for p in server.state.inbox.plans if p.parts_total > 500)
    async with source_for(server) as source:
        [conversation] = await source.details([long_thread.id])
    assert isinstance(conversation, Conversation)
    assert conversation.parts_truncated is True
    assert conversation.parts_count == long_thread.parts_total > 500
    assert 0 < len(conversation.messages) <= 500


async def test_deleted_conversations_come_back_as_gone(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=10)
    server.state.delete("215000003")
    async with source_for(server) as source:
        [result] = await source.details(["215000003"])
    assert isinstance(result, Skipped) and result.reason == "gone"


_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _words(text: str) -> list[str]:
    return " ".join(line.removeprefix("- ") for line in text.split("\n")).split()


async def test_html_is_stripped_to_the_same_words_as_plaintext(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=80)
    async with source_for(server) as source:
        conversations = await fetch_all(source)
    for conversation in conversations:
        plain = server.state.retrieve(conversation.id, plaintext=True)
        texts = [conversation.opener, *(m.body for m in conversation.messages)]
        assert not any(_TAG.search(text) or "&nbsp;" in text or "&amp;" in text for text in texts)
        assert _words(conversation.opener) == _words(plain["source"]["body"])


async def test_filter_reasons_match_the_generated_ground_truth(mock_intercom: Server) -> None:
    server = mock_intercom(conversations=150, seed=11)
    kinds = {plan.id: plan.kind for plan in server.state.inbox.plans}
    async with source_for(server) as source:
        conversations = await fetch_all(source)
    rules = FilterRules()
    reasons = set()
    for conversation in conversations:
        outcome = assess(conversation, rules)
        kind = kinds[conversation.id]
        assert ("kept" if outcome.kept else outcome.reason) == kind.expected_filter, conversation.id
        assert (outcome.reason == RECOVERED_FOLLOWUP) == (kind is Kind.RECOVERED), conversation.id
        reasons.add(outcome.reason)
    assert reasons == set(REASONS)
