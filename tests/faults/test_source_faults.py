"""The local Intercom server misbehaves during a backfill; the result equals a clean run's.

Each test runs the same inbox twice: clean (the reference) and against a server injecting one
kind of fault. The faulty run must complete with the same export and counters, or fail with a
resumable error and resume to them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

import services as service
from convosift.domain import RunStatus
from convosift.mock.server import MockIntercomHandle
from faults.conftest import INBOX, backfill, export, resume_until_done, settings_for

Server = Callable[..., MockIntercomHandle]


def _faulty_run(server: MockIntercomHandle, url: str, **overrides: Any) -> tuple[str, Any]:
    settings = settings_for(server, url, **overrides)
    record = resume_until_done(settings, backfill(settings))
    assert record.status is RunStatus.COMPLETED, record.error
    return export(settings), record.counts


def test_5xx_bursts_and_random_server_errors(
    mock_intercom: Server, reference: Callable[..., Any], database_url: str
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX, fault_burst=3, fault_rate=0.08)
    got, got_counts = _faulty_run(server, database_url)
    assert server.stats["faults"] >= 3
    assert got == expected
    assert got_counts == counts


@contextmanager
def _competing_client(server: MockIntercomHandle, seconds: float) -> Iterator[None]:
    """Another client spends the rate-limit budget for a while, so the backfill meets 429s."""
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {server.token}"}
        ) as http:
            while not stop.is_set():
                http.get("/me")

    thread = threading.Thread(target=hammer, daemon=True)
    timer = threading.Timer(seconds, stop.set)
    thread.start()
    timer.start()
    try:
        yield
    finally:
        stop.set()
        timer.cancel()
        thread.join(timeout=10)


@pytest.mark.parametrize("omit_reset", [False, True], ids=["with-reset-header", "without-reset-header"])
def test_429_storms(
    mock_intercom: Server, reference: Callable[..., Any], tmp_path: Path, omit_reset: bool
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX, rate_limit=40, rate_window_seconds=1, omit_reset_on_429=omit_reset)
    with _competing_client(server, seconds=1.5):
        got, got_counts = _faulty_run(server, f"sqlite:///{tmp_path / 'storm.db'}")
    assert server.stats["rate_limited"] > 0
    assert got == expected
    assert got_counts == counts


def test_slow_and_hung_responses_time_out_and_are_retried(
    mock_intercom: Server, reference: Callable[..., Any], tmp_path: Path
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX, latency_ms=20, hang_rate=0.05, hang_seconds=3)
    got, got_counts = _faulty_run(server, f"sqlite:///{tmp_path / 'hung.db'}", intercom_timeout_seconds=0.4)
    assert server.stats["faults"] > 0
    assert got == expected
    assert got_counts == counts


def test_truncated_json_is_retried(
    mock_intercom: Server, reference: Callable[..., Any], tmp_path: Path
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX, truncate_rate=0.15)
    got, got_counts = _faulty_run(server, f"sqlite:///{tmp_path / 'truncated.db'}")
    assert server.stats["faults"] > 0
    assert got == expected
    assert got_counts == counts


def test_server_errors_beyond_the_retries_fail_the_run_which_resumes_to_the_result(
    mock_intercom: Server, reference: Callable[..., Any], database_url: str
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX)
    settings = settings_for(server, database_url, intercom_max_retries=1)

    def outage_after_first_batch(record: Any) -> None:
        if record.checkpoint.batches == 2:
            server.state.set_faults(burst=10_000)

    failed = backfill(settings, progress=outage_after_first_batch)
    assert failed.status is RunStatus.FAILED
    assert failed.error
    assert 0 < failed.counts.stored < counts.stored
    server.state.set_faults(burst=0)
    done = resume_until_done(settings, failed)
    assert done.status is RunStatus.COMPLETED
    assert export(settings) == expected
    assert done.counts == counts


def test_cursors_expiring_mid_run(
    mock_intercom: Server, reference: Callable[..., Any], tmp_path: Path
) -> None:
    expected, counts = reference()
    server = mock_intercom(**INBOX)
    settings = settings_for(server, f"sqlite:///{tmp_path / 'expiry.db'}")

    def expire_every_other_batch(record: Any) -> None:
        if record.checkpoint.batches in (1, 3):
            server.state.expire_cursors()

    record = resume_until_done(settings, backfill(settings, progress=expire_every_other_batch))
    assert record.status is RunStatus.COMPLETED
    assert server.stats["expired_cursors"] >= 1
    assert export(settings) == expected
    assert record.counts == counts


def test_conversations_that_change_or_disappear_mid_run(
    mock_intercom: Server, tmp_path: Path, database_url: str
) -> None:
    server = mock_intercom(**INBOX)
    settings = settings_for(server, database_url)
    ids = [plan.id for plan in sorted(server.state.inbox.plans, key=lambda p: (p.updated_at, int(p.id)))]
    changed_early, changed_late, deleted = ids[:3], ids[-3:], ids[-5]

    def change_while_running(record: Any) -> None:
        if record.checkpoint.batches == 2:
            server.state.mutate(ids=[*changed_early, *changed_late])
            server.state.delete(deleted)

    record = backfill(settings, progress=change_while_running)
    assert record.status is RunStatus.COMPLETED
    synced = service.run_sync(settings)
    assert synced.status is RunStatus.COMPLETED

    # A clean run over the inbox as it is now.
    clean = settings_for(server, f"sqlite:///{tmp_path / 'clean-after.db'}")
    assert backfill(clean).status is RunStatus.COMPLETED
    assert export(settings) == export(clean)
    assert deleted not in {json.loads(line)["id"] for line in export(settings).splitlines()}


def test_a_conversation_over_the_record_cap_is_skipped_and_read_once_the_cap_allows(
    mock_intercom: Server, database_url: str
) -> None:
    """The local server's largest conversation over ``CONVOSIFT_MAX_RECORD_BYTES``: the run
    completes with it recorded as too_large, every other one stored; a backfill with a raised cap
    fetches that one alone again, and stores it."""
    server = mock_intercom(**INBOX)

    def size(conversation_id: str) -> int:
        body = server.state.retrieve(conversation_id)
        return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())

    ids = sorted((plan.id for plan in server.state.inbox.plans), key=size)
    big, cap = ids[-1], max(1024, size(ids[-2]) + 1)
    assert size(big) > cap
    settings = settings_for(server, database_url, max_record_bytes=cap)
    record = backfill(settings)
    assert record.status is RunStatus.COMPLETED, record.error
    assert record.counts.skipped == 1 and record.counts.stored == len(ids) - 1
    [skipped] = service.list_skipped(settings)
    assert (skipped["id"], skipped["reason"]) == (big, "too_large")
    assert big not in {json.loads(line)["id"] for line in export(settings).splitlines()}

    raised = settings_for(server, database_url, max_record_bytes=2 * size(big))
    again = backfill(raised)
    assert again.status is RunStatus.COMPLETED, again.error
    assert (again.counts.fetched, again.counts.stored, again.counts.skipped) == (1, 1, 0)
    assert service.list_skipped(raised) == []
    assert big in {json.loads(line)["id"] for line in export(raised).splitlines()}
