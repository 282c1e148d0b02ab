"""Workers on the task queue: two sources, two `convosift worker` processes, one SIGKILLed mid-run."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from convosift.cli import app

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
runner = CliRunner()
SIZES = {"alpha": 900, "beta": 600}


@pytest.fixture
def two_sources(
    tmp_path: Path, postgres_database: str, mock_intercom: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Two workspaces behind one PostgreSQL database; the environment a worker process gets."""
    servers = {
        # 150 requests a second each: a run lasts a few seconds, long enough to be killed mid-way.
        name: mock_intercom(
            conversations=size,
            seed=11 + i,
            token=f"{name}-token",
            latency_ms=20,
            rate_limit=150,
            rate_window_seconds=1,
        )
        for i, (name, size) in enumerate(SIZES.items())
    }
    config = tmp_path / "convosift.toml"
    config.write_text(
        "".join(
            f'[sources.{name}]\nkind = "intercom"\nbase_url = "{server.base_url}"\n'
            f'token_env = "TOKEN_{name.upper()}"\n\n'
            for name, server in servers.items()
        )
    )
    env = {
        "CONVOSIFT_CONFIG": str(config),
        "CONVOSIFT_DATABASE_URL": postgres_database,
        "CONVOSIFT_CLASSIFIER": "none",
        "CONVOSIFT_HEARTBEAT_SECONDS": "0.5",
        "CONVOSIFT_STALE_AFTER_SECONDS": "3",
        "CONVOSIFT_BATCH_SIZE": "25",
        **{f"TOKEN_{name.upper()}": server.token for name, server in servers.items()},
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "convosift", "worker", "--concurrency", "2"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )


def _runs(database_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT source, status, counts FROM runs")).mappings().all()
    finally:
        engine.dispose()
    return [dict(r) for r in rows]


def _committed(database_url: str, source: str) -> int:
    return sum(
        (r["counts"] if isinstance(r["counts"], dict) else json.loads(r["counts"]))["listed"]
        for r in _runs(database_url)
        if r["source"] == source
    )


def _export(source: str) -> list[dict[str, Any]]:
    out = runner.invoke(app, ["export", "conversations", "--source", source, "--format", "jsonl"])
    assert out.exit_code == 0, out.stderr
    return [json.loads(line) for line in io.StringIO(out.stdout)]


def test_two_workers_run_two_sources_and_take_over_a_killed_one(
    two_sources: dict[str, str], postgres_database: str, tmp_path: Path
) -> None:
    workers = [_worker(two_sources, tmp_path / f"worker-{i}.log") for i in range(2)]
    try:
        for name in SIZES:
            queued = runner.invoke(
                app, ["backfill", "--source", name, "--since", "2000-01-01", "--queue", "--json"]
            )
            assert queued.exit_code == 0, queued.stderr
            assert json.loads(queued.stdout)["status"] == "queued"

        # Kill a worker while alpha's run is half done: the other takes it over from its checkpoint.
        deadline = time.monotonic() + 120
        while _committed(postgres_database, "alpha") < SIZES["alpha"] // 3:
            assert time.monotonic() < deadline, "alpha never got going"
            time.sleep(0.1)
        owner = _owner_of(postgres_database, "alpha")
        victim = next(w for w in workers if w.pid == owner)
        victim.send_signal(signal.SIGKILL)
        victim.wait()

        while sorted((r["source"], r["status"]) for r in _runs(postgres_database)) != [
            ("alpha", "completed"),
            ("beta", "completed"),
        ]:
            assert time.monotonic() < deadline + 120, _runs(postgres_database)
            time.sleep(0.2)
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(timeout=60)
    survivor = next(w for w in workers if w.pid != owner)
    assert survivor.returncode == 0, (tmp_path / "worker-0.log").read_text()

    status = json.loads(runner.invoke(app, ["workers", "status", "--json"]).stdout)
    by_source = {row["source"]: row for row in status}
    assert by_source["alpha"]["running"] == by_source["beta"]["running"] == 0
    assert by_source["alpha"]["last_completed_at"] is not None

    # Exact counters and no duplicates: each source's export equals a single-process backfill's.
    runs = {r["source"]: r for r in _runs(postgres_database)}
    for name, size in SIZES.items():
        counts = (
            runs[name]["counts"]
            if isinstance(runs[name]["counts"], dict)
            else json.loads(runs[name]["counts"])
        )
        assert counts["listed"] == counts["fetched"] == size
        exported = _export(name)
        assert len(exported) == len({row["id"] for row in exported}) == size
    reference = tmp_path / "reference.db"
    os.environ["CONVOSIFT_DATABASE_URL"] = f"sqlite:///{reference}"
    try:
        for name in SIZES:
            done = runner.invoke(app, ["backfill", "--source", name, "--since", "2000-01-01", "--json"])
            assert done.exit_code == 0, done.stderr
            single = _export(name)
            os.environ["CONVOSIFT_DATABASE_URL"] = postgres_database
            assert _export(name) == single
            os.environ["CONVOSIFT_DATABASE_URL"] = f"sqlite:///{reference}"
    finally:
        os.environ["CONVOSIFT_DATABASE_URL"] = postgres_database


def _owner_of(database_url: str, source: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            owner = conn.execute(
                sa.text("SELECT owner_pid FROM runs WHERE source = :source AND status = 'running'"),
                {"source": source},
            ).scalar_one()
    finally:
        engine.dispose()
    return int(owner)


def test_queueing_needs_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = runner.invoke(app, ["backfill", "--days", "1", "--queue"])
    assert result.exit_code != 0 and "need PostgreSQL" in result.stderr


def test_the_run_api_queues_a_backfill_and_shows_the_queue(two_sources: dict[str, str]) -> None:
    from fastapi.testclient import TestClient

    from convosift.api import create_app
    from convosift.config import load_settings

    with TestClient(create_app(load_settings())) as client:
        response = client.post(
            "/api/pipeline/run", json={"source": "beta", "since": "2000-01-01", "queue": True}
        )
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued" and response.json()["source"] == "beta"
        refused = client.post(
            "/api/pipeline/run", json={"source": "beta", "days": 1, "queue": True, "resume": True}
        )
        assert refused.status_code == 422
        here_only = client.post(
            "/api/pipeline/run", json={"source": "beta", "days": 1, "queue": True, "reanalyze": True}
        )
        assert here_only.status_code == 422 and "reanalysis runs here" in here_only.text
        sources = {row["source"]: row for row in client.get("/api/pipeline/workers").json()["sources"]}
    assert sources["beta"]["queued"] == 1 and sources["beta"]["running"] == 0
    assert sources["alpha"]["queued"] == 0


def test_sources_with_sync_every_get_one_sync_queued_when_due(
    two_sources: dict[str, str], postgres_database: str, request: pytest.FixtureRequest
) -> None:
    from convosift.config import load_settings
    from convosift.store import Store
    from convosift.workers import queue_status
    from convosift.workers.worker import _schedule_syncs

    config = Path(two_sources["CONVOSIFT_CONFIG"])
    config.write_text(
        config.read_text().replace(
            'token_env = "TOKEN_ALPHA"', 'token_env = "TOKEN_ALPHA"\nsync_every = "1m"'
        )
    )
    settings = load_settings()
    store = Store(settings.database_url)
    request.addfinalizer(store.dispose)
    _schedule_syncs(settings, store)  # nothing to sync from before a backfill completed
    assert all(row.queued == 0 for row in queue_status(settings))

    done = runner.invoke(app, ["backfill", "--source", "alpha", "--since", "2000-01-01", "--json"])
    assert done.exit_code == 0, done.stderr
    _schedule_syncs(settings, store)  # completed just now: not due yet
    assert {r.source: r.queued for r in queue_status(settings)}["alpha"] == 0

    engine = sa.create_engine(postgres_database)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE runs SET finished_at = finished_at - 120"))
    engine.dispose()
    _schedule_syncs(settings, store)
    _schedule_syncs(settings, store)  # already queued: not twice
    queued = {r.source: r.queued for r in queue_status(settings)}
    assert queued["alpha"] == 1 and queued["beta"] == 0  # beta has no sync_every
