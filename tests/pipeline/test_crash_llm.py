"""Crashes barely re-pay the LLM: a killed backfill with the LLM backend, resumed until done.

Each LLM answer is cached in the database as soon as it arrives, before the batch's own
transaction; the batch a crash interrupts is analysed again from that cache. Only the calls in
flight at the moment of the kill (at most ``llm_max_concurrency``) are paid twice, and only the
interrupted batch is analysed a second time.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr

import services as service
from convosift.config import load_settings
from convosift.domain import RunStatus
from convosift.pipeline import windows
from openai_server import OpenAIServer, serve_openai_in_thread

SINCE, UNTIL = "2000-01-01", "2100-01-01"
BATCH = 20
KILLS = 6


@pytest.fixture
def llm_server() -> Iterator[OpenAIServer]:
    server = serve_openai_in_thread(latency=0.01)
    try:
        yield server
    finally:
        server.close()


def _batches(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.text("SELECT checkpoint FROM runs")).scalar()
    except sa.exc.SQLAlchemyError:
        return 0
    finally:
        engine.dispose()
    if value is None:
        return 0
    return int((json.loads(value) if isinstance(value, str) else value)["batches"])


def _export(settings: Any) -> str:
    out = io.StringIO()
    service.export_conversations(settings, "jsonl", out)
    return out.getvalue()


@pytest.mark.slow
def test_killed_llm_backfill_resumes_without_paying_twice(
    tmp_path: Path, mock_intercom: Callable[..., Any], llm_server: OpenAIServer
) -> None:
    intercom = mock_intercom(conversations=300, seed=9)
    base: dict[str, Any] = {
        "source": "intercom",
        "classifier": "llm",
        "llm_base_url": llm_server.base_url,
        "llm_api_key": SecretStr("sk-test-crash"),
        "llm_concurrency": 4,
        "llm_max_concurrency": 8,
        "intercom_base_url": intercom.base_url,
        "intercom_access_token": SecretStr(intercom.token),
    }
    reference = load_settings(database_url=f"sqlite:///{tmp_path / 'reference.db'}", **base)
    calls_before = llm_server.calls
    clean = service.start_run(reference, window=windows.between(SINCE, UNTIL, time.time()), batch_size=BATCH)
    assert clean.status is RunStatus.COMPLETED and clean.counts.classified > 0
    clean_calls = llm_server.calls - calls_before

    url = f"sqlite:///{tmp_path / 'crashed.db'}"
    env = {
        **os.environ,
        "CONVOSIFT_DATABASE_URL": url,
        "CONVOSIFT_SOURCE": "intercom",
        "CONVOSIFT_CLASSIFIER": "llm",
        "CONVOSIFT_LLM_BASE_URL": llm_server.base_url,
        "CONVOSIFT_LLM_API_KEY": "sk-test-crash",
        "CONVOSIFT_LLM_CONCURRENCY": "4",
        "CONVOSIFT_LLM_MAX_CONCURRENCY": "8",
        "INTERCOM_BASE_URL": intercom.base_url,
        "INTERCOM_ACCESS_TOKEN": intercom.token,
    }
    rng, kills, calls_before = random.Random(4), 0, llm_server.calls
    command = ["backfill", "--since", SINCE, "--until", UNTIL, "--batch-size", str(BATCH)]
    for _ in range(KILLS * 4):
        committed = _batches(url)
        process = subprocess.Popen(
            [sys.executable, "-m", "convosift", *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        command = ["resume"]
        deadline = time.monotonic() + 60
        while kills < KILLS and process.poll() is None and time.monotonic() < deadline:
            if _batches(url) > committed:
                time.sleep(rng.uniform(0.0, 0.15))
                process.send_signal(signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.01)
        if process.wait(timeout=120) == 0:
            break
    else:
        pytest.fail("the run never finished")
    assert kills == KILLS

    crashed = load_settings(database_url=url, **base)
    (record,) = service.list_runs(crashed)
    assert record.status is RunStatus.COMPLETED
    assert _export(crashed) == _export(reference)
    # Only calls in flight at a kill are paid twice; the rest of a repeated batch comes from the cache.
    repaid = llm_server.calls - calls_before - clean_calls
    assert 0 <= repaid <= KILLS * crashed.llm_max_concurrency, repaid
    # At most the interrupted batch was analysed again after each crash.
    repeated = record.counts.cache_hits - clean.counts.cache_hits
    assert 0 <= repeated <= KILLS * BATCH
    assert record.counts.classified == clean.counts.classified
