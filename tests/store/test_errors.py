"""SQLAlchemy errors become convosift errors at the store's edge, and none is left unmapped."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from convosift.errors import ConfigurationError, StoreError
from convosift.store import Store, translated
from convosift.store.errors import describe


def _subclasses(klass: type) -> set[type]:
    found = set()
    for sub in klass.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_sqlalchemy_error_has_a_translation() -> None:
    unmapped = [
        klass.__name__
        for klass in _subclasses(exc.SQLAlchemyError)
        if klass.__module__.startswith("sqlalchemy") and describe(klass.__new__(klass)) is None
    ]
    assert unmapped == []


def test_a_database_error_is_a_store_error_without_the_parameters(fresh_store: Store) -> None:
    with pytest.raises(StoreError) as caught, fresh_store.read() as conn:
        conn.execute(
            sa.text("SELECT * FROM no_such_table WHERE secret = :value"), {"value": "customer-text-123"}
        )
    assert "customer-text-123" not in str(caught.value)
    assert caught.value.hint and "resume" in caught.value.hint


def test_a_constraint_violation_rolls_the_transaction_back(fresh_store: Store) -> None:
    with pytest.raises(StoreError), fresh_store.write() as conn:
        conn.execute(sa.text("INSERT INTO sync_bookmarks VALUES ('s', 1, 'r', 1.0)"))
        conn.execute(sa.text("INSERT INTO sync_bookmarks VALUES ('s', 2, 'r', 1.0)"))
    with fresh_store.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sync_bookmarks")).scalar_one() == 0


def test_a_bad_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        Store("nosuchdialect://x")


def test_a_sqlite_file_in_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    """SQLite says only "unable to open database file", which read as a server being down."""
    with pytest.raises(ConfigurationError, match=f"the folder {tmp_path / 'nope' / 'dir'} does not exist"):
        Store(f"sqlite:///{tmp_path / 'nope' / 'dir' / 'x.db'}")
    Store(f"sqlite:///{tmp_path / 'x.db'}").dispose()
    assert (tmp_path / "x.db").exists()


def test_translated_passes_other_errors_through() -> None:
    with pytest.raises(KeyError), translated():
        raise KeyError("x")
