"""``convosift demo``: a backfill of a synthetic inbox served by the local Intercom-compatible server.

The server runs in this process on a free loopback port; nothing leaves the machine. The demo
lives with the mock server because it knows the generator's answers and scores the run against them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from convosift.config import Settings
from convosift.mock.inbox import GroundTruth
from convosift.mock.server import serve_in_thread
from convosift.mock.state import MockIntercomConfig
from convosift.pipeline import windows
from convosift.pipeline.service import Progress, Service
from convosift.store.summaries import ResultInBrief, results_in_brief, top_categories, top_themes
from convosift.themes.discovery import discover
from convosift.themes.vocabulary import demo_vocabulary_path, load_vocabulary_for

DEMO_SEED = 42
DEMO_DAYS = 365


def run_demo(
    settings: Settings,
    *,
    conversations: int = 2000,
    progress: Progress | None = None,
    stop_event: threading.Event | None = None,
) -> dict[str, Any]:
    """Serve ``conversations`` synthetic conversations, backfill them all, and summarise the result."""
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
                # The demo shop's own themes: the only place they are the default.
                "vocabulary_path": settings.vocabulary_path or demo_vocabulary_path(),
                # Scored against the generator's truth with the demo vocabulary alone: proposals an
                # earlier demo's discovery left in its database do not change what this one matches.
                "themes_contrast_proposals": False,
            }
        )
        truths = [GroundTruth.of(plan) for plan in server.state.inbox.plans]
        with Service.open(demo_settings) as demo:
            window = windows.last_days(DEMO_DAYS + 1, time.time())
            record = demo.start_run(window=window, progress=progress, stop_event=stop_event)
            with demo.store.read() as conn:
                categories, themes = top_categories(conn), top_themes(conn)
                stored = {result.id: result for result in results_in_brief(conn)}
            # What the vocabulary does not know becomes proposed themes, as on a real inbox.
            taken = set(load_vocabulary_for(demo_settings).signatures)
            proposals = discover(demo.store, taken_signatures=taken)
    return {
        "run": record.to_dict(),
        "top_categories": categories,
        "top_themes": themes,
        "proposals": [
            {key: proposal[key] for key in ("id", "title", "size", "key_phrases")} for proposal in proposals
        ],
        "ground_truth": score_against_truth(stored, truths),
    }


def score_against_truth(stored: Mapping[str, ResultInBrief], truths: list[GroundTruth]) -> dict[str, Any]:
    """How the stored results compare with what the generator planted (the demo knows the answers).

    ``filter_agreement``: kept/dropped as planted. Over conversations kept both ways:
    ``category_accuracy``, ``needs_review`` (flagged for a person), and theme precision/recall
    (a theme counts as right only with the planted signature; unmatched is never right or wrong
    for precision, and a miss for recall).
    """
    agree = kept = right_category = flagged = matched = right_theme = planted_themes = 0
    for truth in truths:
        result = stored.get(truth.id)
        if result is None:
            continue
        expected_kept = truth.expected_filter == "kept"
        agree += int(result.kept == expected_kept)
        if not (result.kept and expected_kept):
            continue
        kept += 1
        right_category += int(result.category == truth.category)
        flagged += int(result.needs_review)
        matched += int(result.signature is not None)
        planted_themes += int(truth.theme is not None)
        right_theme += int(result.signature is not None and result.signature == truth.theme)
    return {
        "conversations": len(stored),
        "filter_agreement": round(agree / max(1, len(stored)), 4),
        "kept": kept,
        "category_accuracy": round(right_category / max(1, kept), 4),
        "needs_review": flagged,
        "theme_precision": round(right_theme / max(1, matched), 4),
        "theme_recall": round(right_theme / max(1, planted_themes), 4),
    }
