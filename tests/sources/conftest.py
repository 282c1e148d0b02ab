"""Fixtures of the source tests (the local Intercom server is ``mock_intercom`` in tests/conftest.py)."""

from __future__ import annotations

import pytest
from source_fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
