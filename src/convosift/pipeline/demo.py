"""``convosift demo``: a backfill of a synthetic inbox served by the local Intercom-compatible server.

The server runs in this process on a free loopback port; nothing leaves the machine.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pydantic import SecretStr

from convosift.config import Settings
from convosift.pipeline import service, windows
from convosift.store.summaries import top_categories, top_themes

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
    with service.open_store(demo_settings).read() as conn:
        categories, themes = top_categories(conn), top_themes(conn)
    return {"run": record.to_dict(), "top_categories": categories, "top_themes": themes}
