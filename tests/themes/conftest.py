"""Fixtures of the themes tests: a migrated store (SQLite and PostgreSQL) and a writable vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from convosift.store import Store
from convosift.themes.vocabulary import demo_vocabulary_path


@pytest.fixture
def store(fresh_store: Store) -> Store:
    return fresh_store


@pytest.fixture
def vocabulary_file(tmp_path: Path) -> Path:
    path = tmp_path / "vocabulary.yaml"
    path.write_text(demo_vocabulary_path().read_text(encoding="utf-8"), encoding="utf-8")
    return path
