"""Fault-injection helpers: the same inbox served clean and faulty, runs that must end equal.

Two local servers with the same seed and the same fixed "now" serve identical conversations, so
a clean run against one is the reference for a run against the other, which injects faults.
Retries and timeouts are kept small through settings so every test stays quick.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

import services as service
from convosift.config import Settings, load_settings
from convosift.domain import RunStatus, Window
from convosift.mock.server import MockIntercomHandle
from convosift.pipeline.records import RunRecord

NOW = 1_750_000_000
INBOX: dict[str, Any] = {"conversations": 60, "seed": 11, "now": NOW}
EVERYTHING = Window(since=0, until=2**31)
BATCH = 10


def settings_for(server: MockIntercomHandle, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "source": "intercom",
        "classifier": "none",
        "intercom_base_url": server.base_url,
        "intercom_access_token": SecretStr(server.token or "unused"),
        "intercom_per_page": 15,
        "intercom_timeout_seconds": 2.0,
        "intercom_max_retries": 6,
        **overrides,
    }
    return load_settings(**values)


def export(settings: Settings) -> str:
    out = io.StringIO()
    service.export_conversations(settings, "jsonl", out)
    return out.getvalue()


def backfill(settings: Settings, **options: Any) -> RunRecord:
    return service.start_run(
        settings, window=EVERYTHING, batch_size=options.pop("batch_size", BATCH), **options
    )


def resume_until_done(settings: Settings, record: RunRecord, attempts: int = 5, **options: Any) -> RunRecord:
    """Resume a failed run until it completes (each attempt must make it no worse)."""
    for _ in range(attempts):
        if record.status is RunStatus.COMPLETED:
            return record
        assert record.status is RunStatus.FAILED, record.status
        record = service.resume_run(settings, record.id, **options)
    return record


@pytest.fixture
def reference(
    mock_intercom: Callable[..., MockIntercomHandle], tmp_path: Any
) -> Callable[..., tuple[str, Any]]:
    """``reference(**settings) -> (export, counts)`` of a clean run over :data:`INBOX`."""

    def run(**overrides: Any) -> tuple[str, Any]:
        server = mock_intercom(**INBOX)
        settings = settings_for(server, f"sqlite:///{tmp_path / 'reference.db'}", **overrides)
        record = backfill(settings)
        assert record.status is RunStatus.COMPLETED
        return export(settings), record.counts

    return run
