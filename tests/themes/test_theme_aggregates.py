"""Per-theme aggregates over a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from themes_seeding import DAY, START, Seed, seed

from convosift.errors import ConfigurationError, NotFoundError
from convosift.store import Store
from convosift.themes.aggregates import overview, rising_themes, theme_detail, theme_summary
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary

DEMO = load_vocabulary(demo_vocabulary_path())


def _inbox() -> list[Seed]:
    """Twelve weeks: a steady theme every day, a rare theme that spikes in the last two weeks."""
    rows = []
    for day in range(84):
        t = START + day * DAY + 3600
        rows.append(
            Seed(f"s{day}", t, "Discount code does nothing at checkout.", "discount_code_not_applied")
        )
        rows.append(Seed(f"o{day}", t + 60, "Where is the order export?", None, "how_to_question"))
        if day in (10, 40) or day >= 70:
            quote = (
                "Apple Pay button is gone from checkout." if day != 83 else "<script>alert(1)</script> gone"
            )
            rows.append(
                Seed(f"a{day}", t + 120, quote, "apple_pay_button_missing_at_checkout", score=0.5 + day / 200)
            )
    rows.append(Seed("filtered", START, "ok", None, kept=False))
    return rows


def test_summary_counts_shares_series_and_rising(store: Store) -> None:
    seed(store, _inbox())
    summaries = theme_summary(store, vocabulary=DEMO)
    json.dumps(summaries)
    by_signature = {s["signature"]: s for s in summaries}
    steady = by_signature["discount_code_not_applied"]
    spike = by_signature["apple_pay_button_missing_at_checkout"]
    assert [s["signature"] for s in summaries] == [
        "discount_code_not_applied",
        "apple_pay_button_missing_at_checkout",
    ]
    assert steady["count"] == 84 and steady["share"] == pytest.approx(84 / (84 * 2 + 16), abs=1e-4)
    assert steady["title"] == "Discount codes have no effect at checkout"
    assert steady["first_seen"] == "2026-01-05" and steady["last_seen"] == "2026-03-29"
    assert [p["count"] for p in steady["series"]] == [7] * 12
    assert not steady["rising"] and steady["change"] == 0
    assert spike["count"] == 16 and spike["recent_count"] == 14 and spike["previous_count"] == 0
    assert spike["rising"] and spike["p_value"] < 0.001
    assert [p["count"] for p in spike["series"]][-3:] == [0, 7, 7]
    assert spike["quotes"][0]["quote"].startswith("<script>")  # highest score first, stored as is
    assert len(spike["quotes"]) == 2  # duplicates of one quote are shown once
    assert [s["signature"] for s in rising_themes(summaries)] == ["apple_pay_button_missing_at_checkout"]


def test_since_and_until_restrict_the_period(store: Store) -> None:
    seed(store, _inbox())
    summaries = theme_summary(store, "2026-01-19", "2026-01-26", vocabulary=DEMO)
    assert {s["signature"]: s["count"] for s in summaries} == {"discount_code_not_applied": 7}
    with pytest.raises(ConfigurationError, match="after"):
        theme_summary(store, "2026-02-01", "2026-01-01")
    with pytest.raises(ConfigurationError, match="not a date"):
        theme_summary(store, "yesterday-ish")


def test_a_period_that_starts_late_still_compares_with_the_fortnight_before(store: Store) -> None:
    """The trend's windows end where the period ends and reach back before ``since``: cut off at
    it, a steady theme's previous window would read as empty and the theme as growing."""
    seed(store, _inbox())
    summaries = {s["signature"]: s for s in theme_summary(store, "2026-03-23", "2026-03-30", vocabulary=DEMO)}
    steady = summaries["discount_code_not_applied"]
    assert steady["count"] == 7  # the period's own figures stay the period's
    assert [p["count"] for p in steady["series"]] == [7]
    # A week's period is its own recent window, against the week before it.
    assert (steady["recent_count"], steady["previous_count"], steady["change"]) == (7, 7, 0)
    assert not steady["rising"]
    assert summaries["apple_pay_button_missing_at_checkout"]["rising"]


def test_overview_counts_categories_per_week(store: Store) -> None:
    seed(store, _inbox())
    view = overview(store)
    assert view["kept"] == 184 and view["themed"] == 100 and view["unmatched"] == 84
    assert len(view["weeks"]) == 12
    assert view["categories"]["how_to_question"] == [7] * 12
    assert sum(view["categories"]["product_issue"]) == 100


def test_detail_lists_conversations_newest_first(store: Store) -> None:
    seed(store, _inbox())
    detail = theme_detail(store, "apple_pay_button_missing_at_checkout", vocabulary=DEMO, limit=3)
    json.dumps(detail)
    assert detail["count"] == 16 and detail["description"]
    assert [c["id"] for c in detail["conversations"]] == ["a83", "a82", "a81"]
    assert detail["conversations"][0]["category"] == "product_issue"
    empty = theme_detail(store, "android_app_request", vocabulary=DEMO)
    assert empty["count"] == 0 and empty["conversations"] == []
    with pytest.raises(NotFoundError):
        theme_detail(store, "no_such_theme", vocabulary=DEMO)


def test_empty_store(store: Store) -> None:
    assert theme_summary(store) == []
    assert overview(store)["kept"] == 0


def test_a_themes_quotes_show_its_kinds_of_request_before_more_of_one_kind(store: Store) -> None:
    """The best-scored quotes of a theme can all be of one kind: the report then showed ten requests
    for a condo insurance quote for a theme that held auto, life and renter's insurance too."""
    kinds = {"condo": 10, "auto": 4, "life": 3, "renter's": 3}
    rows, score = [], 0.99
    for kind, count in kinds.items():
        for i in range(count):
            score -= 0.01
            text = f"Request {i}: I want to get a quote for my {kind} insurance."
            rows.append(Seed(f"{kind}{i}", START + i * DAY, text, "discount_code_not_applied", score=score))
    # Another theme's quotes say "want" and "please" too: words every theme shares mark no kind.
    rows += [
        Seed(f"x{i}", START + i * DAY, f"Case {i}: I want the order export, please.", "order_export_broken")
        for i in range(20)
    ]
    seed(store, rows)
    summary = {s["signature"]: s for s in theme_summary(store, vocabulary=DEMO, top_quotes=5)}
    quotes = [q["quote"] for q in summary["discount_code_not_applied"]["quotes"]]
    assert len(quotes) == 5 and quotes[0] == "Request 0: I want to get a quote for my condo insurance."
    assert {kind for kind in kinds if any(f" {kind} " in q for q in quotes)} == set(kinds)
