"""Intercom's official Python SDK reads the local server like it reads Intercom."""

from __future__ import annotations

from typing import Any

import pytest

from .support import window_query

intercom = pytest.importorskip("intercom")


def test_the_sdk_pages_through_a_window_and_gets_every_conversation(mock_intercom: Any) -> None:
    server = mock_intercom(conversations=500, seed=9)
    plans = server.state.inbox.plans
    since, until = plans[20].updated_at, plans[480].updated_at
    expected = {p.id for p in plans if since <= p.updated_at < until}
    client = intercom.Intercom(token=server.token, base_url=server.base_url)

    # The SDK's pager (5.x) re-sends the first request for the next page, so the cursor is passed
    # back by hand, as Intercom's pagination guide does it.
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        pagination: dict[str, Any] = {"per_page": 150}
        if cursor:
            pagination["starting_after"] = cursor
        pager = client.conversations.search(query=window_query(since, until), pagination=pagination)
        seen += [conversation.id for conversation in pager.items]
        pages += 1
        following = pager.response.pages.next if pager.response.pages else None
        cursor = following.starting_after if following else None
        if not cursor:
            break
    assert pages == -(-len(expected) // 150)
    assert len(seen) == len(set(seen))
    assert set(seen) == expected


def test_the_sdk_finds_a_conversation_with_its_parts(mock_intercom: Any) -> None:
    server = mock_intercom()
    plan = next(p for p in server.state.inbox.plans if p.kind.kept and p.parts_total > 1)
    client = intercom.Intercom(token=server.token, base_url=server.base_url)
    conversation = client.conversations.find(conversation_id=plan.id)
    assert conversation.id == plan.id
    assert conversation.source.delivered_as == "customer_initiated"
    assert len(conversation.conversation_parts.conversation_parts) == plan.parts_total
    assert client.admins.identify().type == "admin"


def test_the_sdk_sees_a_bad_token_as_unauthorized(mock_intercom: Any) -> None:
    server = mock_intercom()
    client = intercom.Intercom(token="wrong", base_url=server.base_url)
    with pytest.raises(intercom.UnauthorizedError):
        client.conversations.find(conversation_id=server.state.inbox.plans[0].id)
