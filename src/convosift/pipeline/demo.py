"""``convosift demo``: a backfill of a synthetic inbox served by the local Intercom-compatible server.

The server runs in this process on a free loopback port; nothing leaves the machine.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import SecretStr

from convosift.config import Settings
from convosift.pipeline import service, windows
from convosift.store.schema import classifications, conversations, conversations_with_results, theme_matches
from convosift.store.summaries import top_categories, top_themes

if TYPE_CHECKING:
    from convosift.mock.inbox import GroundTruth

DEMO_SEED = 42
DEMO_DAYS = 365


def run_demo(
    settings: Settings,
    *,
    conversations: int = 2000,
    progress: service.Progress | None = None,
    stop_event: threading.Event | None = None,
) -> dict[str, Any]:
    """Serve ``conversations`` synthetic conversations, backfill them all, and summarise the result."""
    from convosift.mock.inbox import GroundTruth
    from convosift.mock.server import serve_in_thread
    from convosift.mock.state import MockIntercomConfig

    config = MockIntercomConfig(
        conversations=conversations, seed=DEMO_SEED, days_span=DEMO_DAYS, rate_limit=None
    )
    with serve_in_thread(config) as server:
        demo_settings = Settings.model_validate(
            settings.model_dump()
            | {
                "source": "intercom",
                "intercom_base_url": server.base_url,
                "intercom_access_token": SecretStr(server.token or "demo"),
            }
        )
        window = windows.last_days(DEMO_DAYS + 1, time.time())
        record = service.start_run(demo_settings, window=window, progress=progress, stop_event=stop_event)
        truths = [GroundTruth.of(plan) for plan in server.state.inbox.plans]
    with service.open_store(demo_settings).read() as conn:
        categories, themes = top_categories(conn), top_themes(conn)
        stored = {row.id: row for row in conn.execute(_RESULTS)}
    return {
        "run": record.to_dict(),
        "top_categories": categories,
        "top_themes": themes,
        "ground_truth": score_against_truth(stored, truths),
    }


_RESULTS = sa.select(
    conversations.c.id,
    conversations.c.kept,
    classifications.c.category,
    classifications.c.needs_review,
    theme_matches.c.signature,
).select_from(conversations_with_results())


def score_against_truth(stored: dict[str, Any], truths: list[GroundTruth]) -> dict[str, Any]:
    """How the stored results compare with what the generator planted (the demo knows the answers).

    ``filter_agreement``: kept/dropped as planted. Over conversations kept both ways:
    ``category_accuracy``, ``needs_review`` (flagged for a person), and theme precision/recall
    (a theme counts as right only with the planted signature; unmatched is never right or wrong
    for precision, and a miss for recall).
    """
    agree = kept = right_category = flagged = matched = right_theme = planted_themes = 0
    for truth in truths:
        row = stored.get(truth.id)
        if row is None:
            continue
        expected_kept = truth.expected_filter == "kept"
        agree += int(bool(row.kept) == expected_kept)
        if not (row.kept and expected_kept):
            continue
        kept += 1
        right_category += int(row.category == truth.category)
        flagged += int(bool(row.needs_review))
        matched += int(row.signature is not None)
        planted_themes += int(truth.theme is not None)
        right_theme += int(row.signature is not None and row.signature == truth.theme)
    return {
        "conversations": len(stored),
        "filter_agreement": round(agree / max(1, len(stored)), 4),
        "kept": kept,
        "category_accuracy": round(right_category / max(1, kept), 4),
        "needs_review": flagged,
        "theme_precision": round(right_theme / max(1, matched), 4),
        "theme_recall": round(right_theme / max(1, planted_themes), 4),
    }
