"""Rate limits, injected faults and conversations that change while a client reads."""

from __future__ import annotations

import socket
import time
from typing import Any

import httpx
import pytest

from convosift.mock.server import bind_socket
from convosift.mock.state import MockIntercomConfig

from .support import client_for, search_all, window_query

ALL = {"field": "updated_at", "operator": ">", "value": 0}


def test_rate_limit_headers_on_every_response_and_429_over_the_limit(mock_intercom: Any) -> None:
    server = mock_intercom(rate_limit=5)
    with client_for(server) as client:
        # Start at the beginning of a 10-second window so the test never straddles two.
        time.sleep(10 - time.time() % 10 if time.time() % 10 > 9 else 0)
        responses = [client.get("/me") for _ in range(6)]
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in responses]
    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert remaining == [4, 3, 2, 1, 0, 0]
    assert all(r.headers["X-RateLimit-Limit"] == "5" for r in responses)
    reset = int(responses[-1].headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 10 and reset % 10 == 0
    body = responses[-1].json()
    assert body["type"] == "error.list" and body["errors"][0]["code"] == "rate_limit_exceeded"
    assert server.stats["rate_limited"] == 1 and server.stats["status_429"] == 1


def test_the_window_resets_at_the_announced_time(mock_intercom: Any) -> None:
    server = mock_intercom(rate_limit=1, rate_window_seconds=1)
    with client_for(server) as client:
        client.get("/me")
        refused = client.get("/me")
        if refused.status_code == 200:  # the first request was the last of a window
            refused = client.get("/me")
        assert refused.status_code == 429
        time.sleep(max(0.0, int(refused.headers["X-RateLimit-Reset"]) - time.time()) + 0.05)
        assert client.get("/me").status_code == 200


def test_429_without_a_reset_header_when_asked(mock_intercom: Any) -> None:
    server = mock_intercom(rate_limit=1, omit_reset_on_429=True)
    with client_for(server) as client:
        responses = [client.get("/me") for _ in range(3)]
    refused = [r for r in responses if r.status_code == 429]
    assert refused and all("X-RateLimit-Reset" not in r.headers for r in refused)


def test_a_burst_of_5xx_then_recovery(mock_intercom: Any) -> None:
    server = mock_intercom(fault_burst=3)
    with client_for(server) as client:
        statuses = [client.get("/me").status_code for _ in range(4)]
    assert statuses == [503, 503, 503, 200]
    assert server.stats["faults"] == 3


def test_fault_rate_answers_random_5xx_with_error_lists(mock_intercom: Any) -> None:
    server = mock_intercom(fault_rate=1.0)
    with client_for(server) as client:
        responses = [client.post("/conversations/search", json={"query": ALL}) for _ in range(8)]
    assert all(r.status_code in (500, 502, 503) for r in responses)
    assert all(r.json()["type"] == "error.list" for r in responses)
    server.state.set_faults(rate=0.0)
    with client_for(server) as client:
        assert client.post("/conversations/search", json={"query": ALL}).status_code == 200


def test_latency_slows_every_response(mock_intercom: Any) -> None:
    server = mock_intercom(latency_ms=150)
    with client_for(server) as client:
        started = time.monotonic()
        client.get("/me")
        assert time.monotonic() - started >= 0.15


def test_stalls_make_clients_time_out(mock_intercom: Any) -> None:
    server = mock_intercom(hang_rate=1.0, hang_seconds=2.0)
    with pytest.raises(httpx.ReadTimeout), client_for(server) as client:
        client.get("/me", timeout=0.3)


def test_truncated_bodies_are_not_valid_json(mock_intercom: Any) -> None:
    server = mock_intercom(truncate_rate=1.0)
    with client_for(server) as client:
        response = client.post("/conversations/search", json={"query": ALL})
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_mutations_bump_updated_at_and_add_a_customer_comment(mock_intercom: Any) -> None:
    server = mock_intercom()
    plan = server.state.inbox.plans[10]
    with client_for(server) as client:
        before = client.get(f"/conversations/{plan.id}").json()
        assert server.state.mutate(ids=[plan.id]) == [plan.id]
        after = client.get(f"/conversations/{plan.id}").json()
        changed = search_all(client, window_query(plan.updated_at + 1, int(time.time()) + 60), 150)
    assert after["updated_at"] > before["updated_at"]
    assert server.state.updated_at(plan.id) == after["updated_at"]
    assert after["conversation_parts"]["total_count"] == before["conversation_parts"]["total_count"] + 1
    newest = after["conversation_parts"]["conversation_parts"][-1]
    assert newest["author"]["type"] in ("user", "lead") and newest["part_type"] == "comment"
    assert plan.id in {c["id"] for c in changed}
    assert len(server.state.mutate(count=5)) == 5


def test_deleted_conversations_disappear(mock_intercom: Any) -> None:
    server = mock_intercom()
    plan = server.state.inbox.plans[0]
    server.state.delete(plan.id)
    with client_for(server) as client:
        assert client.get(f"/conversations/{plan.id}").status_code == 404
        assert plan.id not in {c["id"] for c in search_all(client, ALL, 150)}


def test_background_mutations_happen_while_serving(mock_intercom: Any) -> None:
    server = mock_intercom(mutate_per_minute=1200)
    deadline = time.monotonic() + 3
    while server.stats["mutations"] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stats["mutations"] >= 3


def test_the_socket_accepts_connections_before_the_server_starts() -> None:
    sock = bind_socket(MockIntercomConfig())
    try:
        # A benchmark's client in another process may connect before uvicorn runs: it must wait
        # in the backlog, not be refused.
        with socket.create_connection(sock.getsockname(), timeout=2):
            pass
    finally:
        sock.close()
