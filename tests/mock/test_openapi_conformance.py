"""Responses of the local server validate against Intercom's official OpenAPI description (2.14)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from convosift.mock.plan import Kind
from convosift.mock.render import PARTS_CAP
from shared_data import INTERCOM_OPENAPI

from .support import client_for

openapi_core = pytest.importorskip("openapi_core")


@dataclass
class SpecRequest:
    """The request as openapi-core sees it: addressed to Intercom's own server URL."""

    method: str
    path: str
    body: bytes | None = None
    query: dict[str, str] = field(default_factory=dict)
    host_url: str = "https://api.intercom.io"
    content_type: str = "application/json"
    parameters: Any = None

    def __post_init__(self) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.parameters = RequestParameters(
            query=ImmutableMultiDict(self.query),
            header=Headers({"Intercom-Version": "2.14"}),
            cookie=ImmutableMultiDict(),
            path={},
        )


@dataclass
class SpecResponse:
    status_code: int
    data: bytes
    headers: dict[str, str]
    content_type: str = "application/json"


@pytest.fixture(scope="session")
def intercom_spec() -> Any:
    if not INTERCOM_OPENAPI.exists():
        pytest.skip(f"the Intercom OpenAPI description is not at {INTERCOM_OPENAPI}")
    # The official file has an unresolved path parameter elsewhere; skip the spec's self-check.
    return openapi_core.OpenAPI.from_file_path(
        str(INTERCOM_OPENAPI), config=openapi_core.Config(spec_validator_cls=None)
    )


def _validate(spec: Any, request: SpecRequest, response: httpx.Response) -> None:
    spec.validate_response(
        request, SpecResponse(response.status_code, response.content, dict(response.headers))
    )


@pytest.fixture
def server(mock_intercom: Any) -> Any:
    return mock_intercom(conversations=300, seed=5)


def test_search_pages_conform(intercom_spec: Any, server: Any) -> None:
    query = {"operator": "AND", "value": [{"field": "updated_at", "operator": ">", "value": "0"}]}
    cursor = None
    pages = 0
    with client_for(server) as client:
        while True:
            body: dict[str, Any] = {"query": query, "pagination": {"per_page": 150}}
            if cursor:
                body["pagination"]["starting_after"] = cursor
            response = client.post("/conversations/search", json=body)
            assert response.status_code == 200
            _validate(
                intercom_spec,
                SpecRequest("post", "/conversations/search", json.dumps(body).encode()),
                response,
            )
            pages += 1
            cursor = (response.json()["pages"].get("next") or {}).get("starting_after")
            if not cursor:
                break
    assert pages == 2


def test_retrieved_conversations_of_every_kind_conform(intercom_spec: Any, server: Any) -> None:
    plans = server.state.inbox.plans
    chosen = {plan.kind: plan for plan in plans}
    chosen_ids = [plan.id for plan in chosen.values()]
    chosen_ids.append(next(p.id for p in plans if p.parts_total > PARTS_CAP))
    chosen_ids.append(next(p.id for p in plans if p.language != "en"))
    assert set(chosen) == set(Kind)
    server.state.mutate(ids=[chosen_ids[0]])
    with client_for(server) as client:
        for conversation_id in chosen_ids:
            for query in ({}, {"display_as": "plaintext"}):
                response = client.get(f"/conversations/{conversation_id}", params=query)
                assert response.status_code == 200
                _validate(
                    intercom_spec,
                    SpecRequest("get", f"/conversations/{conversation_id}", query=query),
                    response,
                )


def test_error_bodies_conform(intercom_spec: Any, server: Any) -> None:
    """The error statuses the description declares (it declares none for search besides 200)."""
    conversation_id = server.state.inbox.plans[0].id
    for path in (f"/conversations/{conversation_id}", "/admins"):
        unauthorized = httpx.get(f"{server.base_url}{path}")
        assert unauthorized.status_code == 401
        _validate(intercom_spec, SpecRequest("get", path), unauthorized)
    with client_for(server) as client:
        missing = client.get("/conversations/1")
    assert missing.status_code == 404
    _validate(intercom_spec, SpecRequest("get", "/conversations/1"), missing)


def test_me_admins_and_tags_conform(intercom_spec: Any, server: Any) -> None:
    with client_for(server) as client:
        for path in ("/me", "/admins", "/tags"):
            response = client.get(path)
            assert response.status_code == 200
            _validate(intercom_spec, SpecRequest("get", path), response)
