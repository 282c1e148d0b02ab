"""Discovery titles new clusters through the configured LLM (a real local OpenAI-compatible server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from test_theme_discovery import DARK_MODE, RECEIPT_LANGUAGE, _seed_unmatched

from convosift.config import load_settings
from convosift.errors import ConfigurationError
from convosift.store import Store
from convosift.themes.discovery import discover
from convosift.themes.titles import llm_namer
from openai_server import OpenAIServer, serve_openai_in_thread


def _title(body: dict[str, Any]) -> dict[str, Any]:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    if "dark" in user.lower():
        return {"title": "Dark mode for the dashboard", "signature": "dashboard_dark_mode_request"}
    return {"title": "Receipts ignore the store language", "signature": "Not Snake Case!"}


@pytest.fixture
def titler() -> Iterator[OpenAIServer]:
    server = serve_openai_in_thread(_title)
    try:
        yield server
    finally:
        server.close()


def test_new_clusters_get_llm_titles_and_keep_them_on_rediscovery(store: Store, titler: OpenAIServer) -> None:
    settings = load_settings(
        llm_base_url=titler.base_url, llm_api_key=SecretStr("sk-titles"), llm_max_retries=0
    )
    _seed_unmatched(store, [*DARK_MODE, "Write to me at ada@example.com about dark mode please"], "d")
    _seed_unmatched(store, RECEIPT_LANGUAGE, "r")
    found = discover(store, min_cluster_size=4, namer=llm_namer(settings))
    assert len(found) == 2
    dark, receipts = sorted(found, key=lambda p: "dark" not in " ".join(p["key_phrases"]))
    assert (dark["title"], dark["signature"]) == (
        "Dark mode for the dashboard",
        "dashboard_dark_mode_request",
    )
    # An invalid answer (a signature that is not snake_case) falls back to the offline title,
    # written from the cluster's own words.
    assert receipts["title"] and receipts["title"] != "Receipts ignore the store language"
    own_words = " ".join(RECEIPT_LANGUAGE).lower()
    assert all(word in own_words for word in receipts["title"].lower().split())
    assert receipts["signature"] != "Not Snake Case!" and receipts["signature"].islower()
    assert titler.calls == 2
    assert all("ada@example.com" not in str(request) for request in titler.requests)

    again = discover(store, min_cluster_size=4, namer=llm_namer(settings))
    assert titler.calls == 2, "existing proposals keep their titles without asking again"
    assert {p["signature"] for p in again} == {p["signature"] for p in found}


def test_llm_titles_without_an_endpoint_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="LLM titles"):
        llm_namer(load_settings())
