"""Theme queries: the figures of convosift.themes served as JSON, and secrets masked from stored text."""

from __future__ import annotations

from fastapi.testclient import TestClient

from convosift.config import Settings

from .conftest import INTERCOM_TOKEN, analysed, conversation, seed

DAY = 86_400
NOW = 1_700_000_000


def _seed_themes(settings: Settings) -> None:
    results = [
        analysed(
            conversation(f"s{i}", "My Shopify store will not connect", updated_at=NOW - i * DAY),
            category="product_issue",
            theme="shopify_store_connection_fails",
            evidence=f"Shopify store will not connect ({i})",
        )
        for i in range(6)
    ]
    results += [
        analysed(
            conversation("v1", "Where is the VAT number on my invoice?", updated_at=NOW - 40 * DAY),
            category="billing_question",
            theme="invoice_missing_vat_number",
            evidence="VAT number missing",
        ),
        analysed(conversation("u1", "Something odd happened", updated_at=NOW - DAY), theme=None),
    ]
    seed(settings, results)


def test_themes_are_listed_biggest_first_with_figures(client: TestClient, settings: Settings) -> None:
    _seed_themes(settings)
    body = client.get("/api/themes").json()
    signatures = [theme["signature"] for theme in body["themes"]]
    assert signatures == ["shopify_store_connection_fails", "invoice_missing_vat_number"]
    top = body["themes"][0]
    assert top["count"] == 6
    assert top["title"]
    assert sum(point["count"] for point in top["series"]) == 6
    assert top["quotes"]
    assert isinstance(body["rising"], list)


def test_the_overview_gives_the_category_mix_and_how_much_of_it_is_a_guess(
    client: TestClient, settings: Settings
) -> None:
    _seed_themes(settings)
    seed(
        settings,
        [
            analysed(
                conversation("r1", "Maybe a refund?", updated_at=NOW),
                category="billing_question",
                needs_review=True,
            ),
            analysed(conversation("f1", "ok", updated_at=NOW), kept=False),
        ],
    )
    body = client.get("/api/overview").json()
    assert (body["kept"], body["themed"], body["unmatched"], body["needs_review"]) == (9, 7, 2, 1)
    totals = {row["category"]: (row["count"], row["needs_review"]) for row in body["category_totals"]}
    assert totals == {"product_issue": (7, 0), "billing_question": (2, 1)}
    assert sum(body["categories"]["product_issue"]) == 7
    assert len(body["categories"]["billing_question"]) == len(body["weeks"])
    recent = client.get("/api/overview", params={"since": "2023-11-01"}).json()
    assert recent["kept"] == 8
    assert client.get("/api/overview", params={"source": "nowhere"}).status_code == 422
    # A source is named as the conversation filters name it: a typo gets the name it resembles,
    # and a source only the store knows (removed from the settings since) still filters.
    for path in ("/api/overview", "/api/themes"):
        typo = client.get(path, params={"source": "intercon"}).json()
        assert typo["message"] == "source: unknown source 'intercon', did you mean intercom?"
    seed(
        settings,
        [analysed(conversation("o1", "Where is my parcel?"), category="shipping")],
        source="old_files",
    )
    assert client.get("/api/overview", params={"source": "old_files"}).json()["kept"] == 1


def test_theme_period_filters_and_bad_bounds(client: TestClient, settings: Settings) -> None:
    _seed_themes(settings)
    recent = client.get("/api/themes", params={"since": "2023-11-01"}).json()["themes"]
    assert [theme["signature"] for theme in recent] == ["shopify_store_connection_fails"]
    bad = client.get("/api/themes", params={"since": "yesterday-ish"})
    assert bad.status_code == 422
    assert bad.json()["error"] == "configuration_error"


def test_one_theme_has_its_conversations(client: TestClient, settings: Settings) -> None:
    _seed_themes(settings)
    detail = client.get("/api/themes/shopify_store_connection_fails", params={"limit": 4}).json()
    assert detail["count"] == 6
    assert [item["id"] for item in detail["conversations"]] == ["s0", "s1", "s2", "s3"]
    assert detail["description"]


def test_unknown_theme_is_404_on_the_api_and_the_dashboard(client: TestClient) -> None:
    for path in ("/api/themes/no_such_theme", "/themes/no_such_theme"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    # A typo of a vocabulary theme gets the signature it resembles.
    typo = client.get("/api/themes/gift_card_suport_request").json()
    assert typo["hint"].startswith("did you mean gift_card_support_request")


def test_a_secret_pasted_into_a_conversation_is_masked_everywhere(
    client: TestClient, settings: Settings
) -> None:
    seed(
        settings,
        [
            analysed(
                conversation("leak", f"my token is {INTERCOM_TOKEN} please help"),
                theme="shopify_store_connection_fails",
                evidence=f"token {INTERCOM_TOKEN}",
            )
        ],
    )
    for path in (
        "/api/conversations",
        "/api/conversations/leak",
        "/conversations",
        "/conversations/leak",
        "/api/themes",
        "/api/themes/shopify_store_connection_fails",
        "/themes/shopify_store_connection_fails",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert INTERCOM_TOKEN not in response.text, path
    assert client.get("/api/conversations/leak").json()["customer_text"] == "my token is *** please help"


def test_a_period_of_centuries_gives_series_of_the_stored_weeks_only(
    client: TestClient, settings: Settings
) -> None:
    """``since=1900&until=2099`` made one open GET build 11 MB of zero weeks per theme; the series
    now covers the weeks that can hold data, at most ten years of them."""
    _seed_themes(settings)
    body = client.get("/api/themes", params={"since": "1900-01-01", "until": "2099-12-31"}).json()
    narrow = client.get("/api/themes").json()
    for wide, plain in zip(body["themes"], narrow["themes"], strict=True):
        assert wide["series"] == plain["series"]
        assert 6 <= len(wide["series"]) <= 8  # 40 days of data
    assert len(client.get("/", params={"since": "1900-01-01", "until": "2099-12-31"}).text) < 200_000


def test_series_stop_at_ten_years() -> None:
    from convosift.themes.trends import MAX_SERIES_WEEKS, WEEK, series_weeks, week_start

    first, last = NOW - 30 * 365 * DAY, NOW
    weeks = series_weeks(first, last + 1, first, last)
    assert len(weeks) == MAX_SERIES_WEEKS
    assert weeks[-1] == week_start(last) and weeks[1] - weeks[0] == WEEK
