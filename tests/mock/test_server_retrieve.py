"""``GET /conversations/{id}``, authentication and the endpoints clients call first."""

from __future__ import annotations

from typing import Any

import httpx

from convosift.mock.render import PARTS_CAP

from .support import client_for


def test_retrieve_returns_the_conversation_with_its_parts(mock_intercom: Any) -> None:
    server = mock_intercom()
    plan = next(p for p in server.state.inbox.plans if p.kind.kept and 1 < p.parts_total <= PARTS_CAP)
    with client_for(server) as client:
        conversation = client.get(f"/conversations/{plan.id}").json()
    assert conversation["type"] == "conversation" and conversation["id"] == plan.id
    parts = conversation["conversation_parts"]
    assert parts["type"] == "conversation_part.list"
    assert len(parts["conversation_parts"]) == parts["total_count"] == plan.parts_total
    assert all(p["type"] == "conversation_part" for p in parts["conversation_parts"])


def test_a_long_thread_returns_its_500_most_recent_parts_and_the_real_count(mock_intercom: Any) -> None:
    server = mock_intercom()
    plan = next(p for p in server.state.inbox.plans if p.parts_total > PARTS_CAP)
    with client_for(server) as client:
        conversation = client.get(f"/conversations/{plan.id}").json()
    parts = conversation["conversation_parts"]
    assert len(parts["conversation_parts"]) == PARTS_CAP
    assert parts["total_count"] == plan.parts_total == conversation["statistics"]["count_conversation_parts"]
    # The oldest parts are the ones left out: ids carry the part's position in the thread.
    first_position = int(parts["conversation_parts"][0]["id"]) - int(plan.id) * 1_000_000
    assert first_position == plan.parts_total - PARTS_CAP


def test_display_as_plaintext_strips_html(mock_intercom: Any) -> None:
    server = mock_intercom()
    plan = next(p for p in server.state.inbox.plans if p.kind.value == "themed" and p.language == "en")
    with client_for(server) as client:
        html = client.get(f"/conversations/{plan.id}").json()
        plain = client.get(f"/conversations/{plan.id}", params={"display_as": "plaintext"}).json()
    assert html["source"]["body"].startswith("<")
    assert "<" not in plain["source"]["body"] and "&amp;" not in plain["source"]["body"]
    assert plain["source"]["body"]
    for part in plain["conversation_parts"]["conversation_parts"]:
        assert part["body"] is None or "<p>" not in part["body"]


def test_unknown_conversation_is_a_404_error_list(mock_intercom: Any) -> None:
    server = mock_intercom()
    with client_for(server) as client:
        response = client.get("/conversations/999")
    assert response.status_code == 404
    assert response.json()["type"] == "error.list" and response.json()["errors"][0]["code"] == "not_found"


def test_missing_or_wrong_token_is_401(mock_intercom: Any) -> None:
    server = mock_intercom()
    plan_id = server.state.inbox.plans[0].id
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": server.token}):
        response = httpx.get(f"{server.base_url}/conversations/{plan_id}", headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert body["type"] == "error.list" and body["request_id"]
        assert body["errors"] == [{"code": "unauthorized", "message": "Access Token Invalid"}]
    assert server.stats["status_401"] == 3 and server.stats["retrieve"] == 0


def test_without_a_token_every_request_is_accepted(mock_intercom: Any) -> None:
    server = mock_intercom(token=None)
    assert httpx.get(f"{server.base_url}/me").status_code == 200


def test_me_admins_and_tags(mock_intercom: Any) -> None:
    server = mock_intercom()
    with client_for(server) as client:
        me = client.get("/me").json()
        admins = client.get("/admins").json()
        tags = client.get("/tags").json()
    assert me["type"] == "admin" and me["app"]["id_code"]
    assert admins["type"] == "admin.list" and me["id"] in {a["id"] for a in admins["admins"]}
    assert tags["type"] == "list" and all(t["type"] == "tag" for t in tags["data"])
