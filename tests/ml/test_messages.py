"""The shipped customer messages: read whole, and a broken file says where it is broken."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from convosift.ml import messages


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    messages.background_messages.cache_clear()
    yield
    messages.background_messages.cache_clear()


def test_an_industry_leaves_out_its_messages_only() -> None:
    every = messages.background_messages()
    without = messages.background_messages(("retail",))
    assert 0 < len(every) - len(without) < len(every)
    assert set(without) < set(every)


@pytest.mark.parametrize("entry", ['"one text, not a list"', "{a: b}", "[1, 2]"])
def test_an_industry_that_is_not_a_list_of_texts_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    broken = tmp_path / "background.yaml"
    broken.write_text(f'industries:\n  retail: {entry}\n  travel:\n    - "My flight was cancelled"\n')
    monkeypatch.setattr(messages, "BACKGROUND_FILE", broken)
    with pytest.raises(ValueError, match="retail"):
        messages.background_messages()


def test_empty_entries_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sparse = tmp_path / "background.yaml"
    sparse.write_text('industries:\n  retail:\n  travel:\n    - "  "\n    - "Where is my order?"\n')
    monkeypatch.setattr(messages, "BACKGROUND_FILE", sparse)
    assert messages.background_messages() == ("Where is my order?",)
