"""Test doubles of the source tests (imported by test modules of this folder)."""

from __future__ import annotations

import asyncio
from typing import Any

from convosift.config import Settings, load_settings

START = 1_700_000_000.0


class FakeClock:
    """Virtual time: ``sleep`` returns at once and moves the clock forward."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.sleeps.append(seconds)
            self.now += seconds
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "intercom_access_token": "test-token",
        "intercom_base_url": "http://intercom.test",
        "intercom_per_page": 2,
        "intercom_fetch_concurrency": 3,
        "intercom_max_retries": 3,
        "intercom_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return load_settings(**values)
