"""Conversation queries: filters, pagination, detail, and customer text returned as plain data."""

from __future__ import annotations

from fastapi.testclient import TestClient

from convosift.config import Settings

from .conftest import analysed, conversation, seed

SCRIPT = "<script>alert(1)</script>"


def _seed_inbox(settings: Settings) -> None:
    seed(
        settings,
        [
            analysed(
                conversation("c1", f"I cannot log in {SCRIPT}", updated_at=1_700_000_300),
                category="account_issue",
                theme="login_fails",
                evidence=f"cannot log in {SCRIPT}",
            ),
            analysed(
                conversation("c2", "How do I export my invoices as CSV?", updated_at=1_700_000_200),
                category="how_to_question",
                theme=None,
                needs_review=True,
            ),
            analysed(
                conversation("c3", "ok thanks", updated_at=1_700_000_100), kept=False, reason="too_short"
            ),
            analysed(
                conversation("c4", "The sync crashes every night", updated_at=1_700_000_400),
                category=None,
                theme=None,
            ),
        ],
    )


def test_list_is_newest_first_with_totals_and_pages(client: TestClient, settings: Settings) -> None:
    _seed_inbox(settings)
    body = client.get("/api/conversations", params={"limit": 2}).json()
    assert [item["id"] for item in body["items"]] == ["c4", "c1"]
    assert body["total"] == 4
    second = client.get("/api/conversations", params={"limit": 2, "offset": 2}).json()
    assert [item["id"] for item in second["items"]] == ["c2", "c3"]


def test_filters_by_category_theme_and_quality(client: TestClient, settings: Settings) -> None:
    _seed_inbox(settings)

    def ids(**params: str) -> list[str]:
        return sorted(item["id"] for item in client.get("/api/conversations", params=params).json()["items"])

    assert ids(category="account_issue") == ["c1"]
    assert ids(category="failed") == ["c4"]
    assert ids(theme="login_fails") == ["c1"]
    assert ids(theme="unmatched") == ["c2", "c4"]
    assert ids(quality="filtered") == ["c3"]
    assert ids(quality="too_short") == ["c3"]
    assert ids(quality="kept") == ["c1", "c2", "c4"]
    assert ids(category="account_issue", quality="filtered") == []
    # The categories flagged for review, or the others; empty (the dashboard's "any") filters nothing.
    assert ids(needs_review="true") == ["c2"]
    assert ids(needs_review="false") == ["c1", "c4"]
    assert ids(needs_review="") == ["c1", "c2", "c3", "c4"]
    maybe = client.get("/api/conversations", params={"needs_review": "maybe"})
    assert (
        maybe.status_code == 422
        and maybe.json()["message"] == "needs_review: Input should be 'true', 'false' or ''"
    )
    page = client.get("/conversations", params={"needs_review": "true"})
    assert page.status_code == 200 and "How do I export my invoices as CSV?" in page.text
    assert "I cannot log in" not in page.text and "· to review" in page.text
    home = " ".join(client.get("/").text.split())
    assert "needs_review=true" in home  # the home page's count links to them
    # ...and says how much of the inbox no theme covers yet.
    assert "2 of 3 kept conversations</a> (67 %) have no theme" in home


def test_a_mistyped_filter_is_refused_with_the_values_it_could_take(
    client: TestClient, settings: Settings
) -> None:
    _seed_inbox(settings)
    seed(
        settings,
        [analysed(conversation("f1", "Where is my parcel?"), category="shipping")],
        source="old_files",
    )

    def total(**params: str) -> int:
        answer = client.get("/api/conversations", params=params)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    # Known values that find nothing are an honest empty list: a taxonomy category, a theme of
    # the vocabulary, a quality outcome, the configured source.
    assert total(category="spam") == 0
    assert total(theme="android_app_request") == 0
    assert total(quality="bot_only") == 0
    assert total(category="failed", source="intercom") == 1
    # Values only the store knows still filter: a retired taxonomy's category, an old source.
    assert total(category="shipping") == 1
    assert total(source="old_files") == 1
    for field, typo in (("category", "acount_issue"), ("theme", "login_fail"), ("quality", "too-short")):
        answer = client.get("/api/conversations", params={field: typo})
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] == "validation_error"
        assert body["message"].startswith(f"{field}: unknown {field} '{typo}'")
    message = client.get("/api/conversations", params={"category": "acount_issue"}).json()["message"]
    assert "did you mean account_issue" in message
    far = client.get("/api/conversations", params={"category": "zzz"}).json()["message"]
    assert far.startswith("category: unknown category 'zzz' (known: account_issue, billing_question,")
    # A category only the store knows is suggested too.
    assert "did you mean shipping" in client.get("/api/conversations", params={"category": "shiping"}).text
    # Every field's problem is said whole, however many are mistyped at once.
    typos = {"category": "acount_issue", "theme": "login_fail", "quality": "too-short", "source": "intercon"}
    body = client.get("/api/conversations", params=typos).json()
    assert all(f"unknown {field}" in body["message"] for field in typos) and not body["message"].endswith("…")
    assert body["hint"] == "use a known value, or leave the filter out"
    message = client.get("/api/conversations", params={"source": "intercon"}).json()["message"]
    assert message == "source: unknown source 'intercon', did you mean intercom?"
    message = client.get("/api/conversations", params={"source": "zendesk"}).json()["message"]
    assert "intercom" in message and "old_files" in message
    # A misspelt parameter is refused too: ignored, it read as "every conversation".
    misspelt = client.get("/api/conversations", params={"categroy": "account_issue"})
    assert misspelt.status_code == 422
    assert misspelt.json()["message"] == "unknown parameter 'categroy', did you mean category?"
    # The dashboard's list says the same instead of showing an empty page.
    page = client.get("/conversations", params={"theme": "login_fail"})
    assert (
        page.status_code == 200
        and "theme: unknown theme &#39;login_fail&#39;, did you mean login_fails" in page.text
    )


def test_detail_returns_the_text_as_a_plain_json_string(client: TestClient, settings: Settings) -> None:
    _seed_inbox(settings)
    response = client.get("/api/conversations/c1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["customer_text"] == f"I cannot log in {SCRIPT}"
    assert body["category"] == "account_issue"
    assert body["theme"] == "login_fails"
    assert body["evidence"] == f"cannot log in {SCRIPT}"
    assert "raw" not in body


def test_unknown_conversation_is_404(client: TestClient) -> None:
    response = client.get("/api/conversations/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    # A long id (100 KB from a real client) came back whole in the message; the message is cut.
    long = client.get("/api/conversations/" + "x" * 20_000)
    assert long.status_code == 404 and len(long.content) < 1_000
    assert long.json()["message"].endswith("…")


def test_bad_paging_is_422_naming_the_parameter(client: TestClient) -> None:
    response = client.get("/api/conversations", params={"limit": 0})
    assert response.status_code == 422
    assert response.json()["message"].startswith("limit:")
