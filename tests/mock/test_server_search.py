"""``POST /conversations/search`` on the local server: windows, nesting, pagination, cursors."""

from __future__ import annotations

import time
from typing import Any

import pytest

from .support import client_for, search_all, window_query


@pytest.fixture
def server(mock_intercom: Any) -> Any:
    return mock_intercom(conversations=400, seed=3)


def _truth_window(server: Any, since: int, until: int) -> set[str]:
    return {p.id for p in server.state.inbox.plans if since <= p.updated_at < until}


@pytest.mark.parametrize("per_page", [150, 7])
def test_paging_a_window_returns_each_conversation_of_it_exactly_once(server: Any, per_page: int) -> None:
    plans = server.state.inbox.plans
    since, until = plans[100].updated_at, plans[300].updated_at
    with client_for(server) as client:
        results = search_all(client, window_query(since, until), per_page)
    ids = [c["id"] for c in results]
    assert len(ids) == len(set(ids))
    assert set(ids) == _truth_window(server, since, until)
    assert all(since <= c["updated_at"] < until for c in results)


def test_results_and_pages_have_intercoms_shape(server: Any) -> None:
    with client_for(server) as client:
        body = {
            "query": {"field": "created_at", "operator": ">", "value": "0"},
            "pagination": {"per_page": 150},
        }
        first = client.post("/conversations/search", json=body).json()
        assert first["type"] == "conversation.list" and first["total_count"] == 400
        assert first["pages"]["page"] == 1 and first["pages"]["total_pages"] == 3
        assert first["pages"]["next"]["page"] == 2 and isinstance(
            first["pages"]["next"]["starting_after"], str
        )
        assert len(first["conversations"]) == 150
        assert all("conversation_parts" not in c for c in first["conversations"])
        assert all(c["type"] == "conversation" and c["id"].isdigit() for c in first["conversations"])
        body["pagination"]["starting_after"] = first["pages"]["next"]["starting_after"]
        second = client.post("/conversations/search", json=body).json()
        assert second["pages"]["page"] == 2
        body["pagination"]["starting_after"] = second["pages"]["next"]["starting_after"]
        last = client.post("/conversations/search", json=body).json()
        assert (
            last["pages"]["page"] == 3 and "next" not in last["pages"] and len(last["conversations"]) == 100
        )


def test_nested_and_or_filters_on_author_type_state_and_id(server: Any) -> None:
    plans = server.state.inbox.plans
    middle = plans[200].id
    query = {
        "operator": "AND",
        "value": [
            {"field": "id", "operator": ">", "value": middle},
            {
                "operator": "OR",
                "value": [
                    {"field": "source.author.type", "operator": "=", "value": "admin"},
                    {"field": "state", "operator": "IN", "value": ["open", "snoozed"]},
                ],
            },
        ],
    }
    expected = {
        p.id
        for p in plans
        if int(p.id) > int(middle) and (p.author_type == "admin" or p.state in ("open", "snoozed"))
    }
    with client_for(server) as client:
        found = {c["id"] for c in search_all(client, query, 50)}
    assert found == expected and expected


def test_sort_orders_results_and_paging_stays_exhaustive(server: Any) -> None:
    with client_for(server) as client:
        query = {"field": "created_at", "operator": ">", "value": 0}
        newest_first = search_all(client, query, 60, sort={"field": "created_at", "order": "descending"})
    created = [c["created_at"] for c in newest_first]
    assert created == sorted(created, reverse=True)
    assert len({c["id"] for c in newest_first}) == 400


def test_fields_outside_the_index_are_searchable(server: Any) -> None:
    with client_for(server) as client:
        found = search_all(client, {"field": "source.url", "operator": "~", "value": "/app/billing"}, 150)
    assert found and all("/app/billing" in c["source"]["url"] for c in found)


@pytest.mark.parametrize(
    "body",
    [
        {"query": {"field": "updated_at", "operator": ">", "value": 0}, "pagination": {"per_page": 151}},
        {"query": {"field": "updated_at", "operator": "~", "value": 0}},
        {
            "query": {
                "operator": "AND",
                "value": [{"field": "id", "operator": "=", "value": str(i)} for i in range(16)],
            }
        },
    ],
)
def test_invalid_search_bodies_get_400_error_lists(server: Any, body: dict[str, Any]) -> None:
    with client_for(server) as client:
        response = client.post("/conversations/search", json=body)
    assert response.status_code == 400
    assert (
        response.json()["type"] == "error.list"
        and response.json()["errors"][0]["code"] == "parameter_invalid"
    )


def _first_cursor(client: Any) -> str:
    body = {"query": {"field": "updated_at", "operator": ">", "value": 0}, "pagination": {"per_page": 10}}
    return str(client.post("/conversations/search", json=body).json()["pages"]["next"]["starting_after"])


def _next_page(client: Any, cursor: str) -> Any:
    body = {
        "query": {"field": "updated_at", "operator": ">", "value": 0},
        "pagination": {"per_page": 10, "starting_after": cursor},
    }
    return client.post("/conversations/search", json=body)


def _assert_invalid_cursor(response: Any) -> None:
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "client_error" and "starting_after" in error["message"]


def test_unknown_cursor_is_rejected(server: Any) -> None:
    with client_for(server) as client:
        _assert_invalid_cursor(_next_page(client, "not-a-cursor"))
    assert server.stats["invalid_cursors"] == 1


def test_expire_cursors_invalidates_every_issued_cursor(server: Any) -> None:
    with client_for(server) as client:
        cursor = _first_cursor(client)
        assert _next_page(client, cursor).status_code == 200
        server.state.expire_cursors()
        _assert_invalid_cursor(_next_page(client, cursor))
        assert _next_page(client, _first_cursor(client)).status_code == 200
    assert server.stats["expired_cursors"] == 1


def test_cursors_expire_after_their_ttl(mock_intercom: Any) -> None:
    server = mock_intercom(cursor_ttl=0.3)
    with client_for(server) as client:
        cursor = _first_cursor(client)
        assert _next_page(client, cursor).status_code == 200
        time.sleep(0.4)
        _assert_invalid_cursor(_next_page(client, cursor))
    assert server.stats["expired_cursors"] == 1
