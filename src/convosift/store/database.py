"""The :class:`Store`: one engine, migrations applied on open, transactions with translated errors.

SQLite gets WAL mode (readers never block the writer), a busy timeout (writers queue instead of
failing) and foreign keys. Its write transactions start with ``BEGIN IMMEDIATE`` so two processes
never both read and then both try to upgrade to a write lock, which SQLite would refuse at once
whatever the busy timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

from convosift.errors import ConfigurationError, StoreError
from convosift.store.errors import translated

_MIGRATIONS = Path(__file__).with_name("migrations")
_BUSY_TIMEOUT_MS = 30_000
# Serialises concurrent migrations on PostgreSQL (two processes opening an empty database).
_MIGRATION_LOCK_KEY = 74_118_203


class Store:
    """A database holding conversations, runs and caches. Safe to share between threads."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        with translated():
            self.engine = _create_engine(url)
        folder = _missing_sqlite_folder(self.engine)
        if folder is not None:
            self.engine.dispose()
            raise ConfigurationError(
                f"cannot open the database: the folder {folder} does not exist",
                hint="create it, or check CONVOSIFT_DATABASE_URL",
            )
        if migrate:
            try:
                self.migrate()
            except StoreError as exc:
                # The first connection: a wrong URL or a server that is down shows up here.
                self.engine.dispose()
                raise StoreError(
                    f"cannot open the database: {exc.message}",
                    hint="check CONVOSIFT_DATABASE_URL and that the database server is running",
                ) from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when it is already there)."""
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with translated(), self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
                config.attributes["connection"] = conn
                command.upgrade(config, "heads")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for queries (a transaction that is rolled back at the end)."""
        with translated(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with translated(), self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _missing_sqlite_folder(engine: Engine) -> Path | None:
    """The folder a SQLite database file would be in, when it does not exist (SQLite says only
    "unable to open database file"); None for another database, memory or a folder that exists."""
    database = engine.url.database
    if (
        engine.dialect.name != "sqlite"
        or not database
        or database == ":memory:"
        or database.startswith("file:")
    ):
        return None
    folder = Path(database).absolute().parent
    return None if folder.is_dir() else folder


def _create_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own handling defers it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch a SQLite file to WAL mode (persistent; a no-op once done).

    The switch needs an exclusive lock. When several processes open a new database at once, one
    can hold a shared lock while another waits to write; SQLite reports that deadlock as "locked"
    at once instead of waiting, so the switch is retried for a short while.
    """
    import sqlite3
    import time

    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
