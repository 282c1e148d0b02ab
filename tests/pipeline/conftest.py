"""Fixtures of the pipeline tests: settings on a fresh database, an in-memory inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from convosift.config import Settings, load_settings
from convosift.domain import Window
from pipeline.memory import BASE_TIME

WINDOW = Window(since=BASE_TIME - 1000, until=BASE_TIME + 10**6)


@pytest.fixture
def make_settings(database_url: str) -> Callable[..., Settings]:
    """Settings on the test's fresh database (SQLite, then PostgreSQL), without a classifier."""

    def build(**overrides: Any) -> Settings:
        return load_settings(**{"database_url": database_url, "classifier": "none", **overrides})

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()
