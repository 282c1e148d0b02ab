"""Shared fixtures: a clean environment for every test and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shared_data import BANKING77, INTERCOM_OPENAPI, SHARED

__all__ = ["BANKING77", "INTERCOM_OPENAPI", "SHARED"]

SCRUBBED_PREFIXES = ("INTERCOM_", "OPENAI_", "CONVOSIFT_", "PIPELINE_", "AZURE_OPENAI_", "DATABASE_URL")
IN_CI = os.environ.get("CI") == "true"
_PG_URL_ENV = "CONVOSIFT_TEST_POSTGRES_URL"
_PG_URL_AT_START = os.environ.get(_PG_URL_ENV)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A developer's shell never changes a result: scrub settings variables, work in a temp dir."""
    for name in list(os.environ):
        if name.startswith(SCRUBBED_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONVOSIFT_CACHE_DIR", str(_model_cache_dir()))
    yield


def _model_cache_dir() -> Path:
    """Trained local models are cached across tests of one session (keyed by their training data)."""
    path = Path(tempfile.gettempdir()) / f"convosift-test-models-{os.getuid()}"
    path.mkdir(exist_ok=True)
    return path


# --- PostgreSQL ------------------------------------------------------------------------------


def _free_port() -> int:
    """A loopback port nothing listens on now (the kernel's choice): a port derived from the pid
    could be another process's, or another test worker's cluster's."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_throwaway_cluster() -> tuple[str, Path, str] | None:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    initdb = bins[-1] if bins else (Path(p) if (p := shutil.which("initdb")) else None)
    if initdb is None:
        return None
    pg_ctl = str(initdb.parent / "pg_ctl")
    workdir = Path(tempfile.mkdtemp(prefix="convosift-pg-"))
    port = _free_port()
    as_root = os.geteuid() == 0

    def run(cmd: str) -> None:
        full = ["su", "postgres", "-c", cmd] if as_root else ["bash", "-c", cmd]
        subprocess.run(full, check=True, capture_output=True, timeout=120)

    if as_root:
        shutil.chown(workdir, "postgres", "postgres")
    run(f"{initdb} -D {workdir}/data -U postgres -A trust -E UTF8 --no-locale")
    run(
        f"{pg_ctl} -D {workdir}/data -o '-p {port} -k {workdir} -c listen_addresses=127.0.0.1 "
        f"-c fsync=off -c max_connections=200' -l {workdir}/log -w start"
    )
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", workdir, f"{pg_ctl} -D {workdir}/data"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server: CONVOSIFT_TEST_POSTGRES_URL, or a throwaway cluster started here."""
    if _PG_URL_AT_START:
        yield _PG_URL_AT_START
        return
    started = None
    try:
        started = _start_throwaway_cluster()
    except (subprocess.SubprocessError, OSError) as exc:
        if IN_CI:
            raise
        pytest.skip(f"cannot start PostgreSQL: {exc}")
    if started is None:
        if IN_CI:
            pytest.fail("PostgreSQL is required in CI: set CONVOSIFT_TEST_POSTGRES_URL or install postgresql")
        pytest.skip("no PostgreSQL server (set CONVOSIFT_TEST_POSTGRES_URL or install postgresql)")
    url, workdir, ctl = started
    try:
        yield url
    finally:
        cmd = f"{ctl} -m immediate -w stop"
        full = ["su", "postgres", "-c", cmd] if os.geteuid() == 0 else ["bash", "-c", cmd]
        subprocess.run(full, check=False, capture_output=True, timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)


def _fresh_postgres_database(server_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = server_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, then a new PostgreSQL database (tests run on both)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'convosift.db'}"
    else:
        server = request.getfixturevalue("postgres_url")
        yield from _fresh_postgres_database(server)


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, for tests of what only PostgreSQL does (queues, workers)."""
    yield from _fresh_postgres_database(postgres_url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'convosift.db'}"


# --- store -----------------------------------------------------------------------------------


@pytest.fixture
def fresh_store(database_url: str) -> Iterator[object]:
    """A migrated, empty :class:`convosift.store.Store` on SQLite, then on PostgreSQL."""
    from convosift.store import Store

    store = Store(database_url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture(autouse=True)
def _close_shared_stores() -> Iterator[None]:
    """Dispose the engines the pipeline service cached during a test (before its database is dropped)."""
    yield
    import sys

    services = sys.modules.get("services")
    if services is not None:
        services.close_stores()


# --- local Intercom-compatible server ---------------------------------------------------------


@pytest.fixture
def mock_intercom() -> Iterator[Callable[..., Any]]:
    """Start local Intercom servers: ``mock_intercom(**config_overrides) -> handle``; stopped at teardown.

    Defaults: 120 conversations, seed 7, token ``test-token``, no rate limit, no faults.
    """
    import contextlib

    from convosift.mock.server import serve_in_thread
    from convosift.mock.state import MockIntercomConfig

    with contextlib.ExitStack() as servers:

        def start(**overrides: Any) -> Any:
            config = MockIntercomConfig(**{"conversations": 120, "seed": 7, **overrides})
            return servers.enter_context(serve_in_thread(config))

        yield start
