"""Helpers shared by the tests of the local Intercom server and the synthetic inbox."""

from __future__ import annotations

from typing import Any

import httpx

from convosift.mock.render import html_to_text

CUSTOMERS = ("user", "lead")


def client_for(server: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.token}", "Accept": "application/json"}
    return httpx.Client(base_url=server.base_url, headers=headers, timeout=10)


def search_all(
    client: httpx.Client, query: dict[str, Any], per_page: int, sort: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Every search result of ``query``, following ``pages.next.starting_after`` to the end."""
    results: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10_000):
        body: dict[str, Any] = {"query": query, "pagination": {"per_page": per_page}}
        if cursor:
            body["pagination"]["starting_after"] = cursor
        if sort:
            body["sort"] = sort
        response = client.post("/conversations/search", json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["conversations"]) <= per_page
        results.extend(page["conversations"])
        cursor = (page["pages"].get("next") or {}).get("starting_after")
        if not cursor:
            return results
    raise AssertionError("pagination never ended")


def customer_texts(conversation: dict[str, Any]) -> list[str]:
    """Text the customer wrote: the opener (when a customer opened) and customer comments."""
    source = conversation["source"]
    texts = [html_to_text(source["body"])] if source["author"]["type"] in CUSTOMERS else []
    for part in conversation["conversation_parts"]["conversation_parts"]:
        if part["author"]["type"] in CUSTOMERS and part["part_type"] == "comment":
            texts.append(html_to_text(part["body"]))
    return [text for text in texts if text]


def window_query(since: int, until: int) -> dict[str, Any]:
    """``since <= updated_at < until`` with equality on the lower boundary, as sync clients send it."""
    return {
        "operator": "AND",
        "value": [
            {
                "operator": "OR",
                "value": [
                    {"field": "updated_at", "operator": ">", "value": since},
                    {"field": "updated_at", "operator": "=", "value": since},
                ],
            },
            {"field": "updated_at", "operator": "<", "value": until},
        ],
    }
