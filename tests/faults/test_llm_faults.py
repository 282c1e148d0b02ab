"""The LLM endpoint fails during a backfill (the local OpenAI-compatible server, scripted)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from convosift.domain import RunStatus
from convosift.mock.server import MockIntercomHandle
from faults.conftest import INBOX, backfill, export, resume_until_done, settings_for
from openai_server import OpenAIServer, Step, openai_server

Server = Callable[..., MockIntercomHandle]


@pytest.fixture
def llm() -> Iterator[OpenAIServer]:
    with openai_server() as server:
        yield server


def _llm_settings(server: MockIntercomHandle, llm: OpenAIServer, url: str, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "classifier": "llm",
        "llm_base_url": llm.base_url,
        "llm_api_key": SecretStr("sk-fault-suite"),
        "llm_max_retries": 4,
        "llm_timeout_seconds": 0.5,
        **overrides,
    }
    return settings_for(server, url, **values)


def _clean(server: MockIntercomHandle, llm: OpenAIServer, tmp_path: Path) -> tuple[str, Any]:
    settings = _llm_settings(server, llm, f"sqlite:///{tmp_path / 'clean.db'}")
    record = backfill(settings)
    assert record.status is RunStatus.COMPLETED
    assert record.counts.classified > 0
    llm.reset()
    return export(settings), record.counts


def test_transient_llm_failures_are_retried_to_the_clean_result(
    mock_intercom: Server, llm: OpenAIServer, tmp_path: Path
) -> None:
    server = mock_intercom(**INBOX)
    expected, counts = _clean(server, llm, tmp_path)
    llm.set_script(
        [
            Step.error(500),
            Step.error(503),
            Step.rate_limit(retry_after=0.05),
            Step.invalid_json(),
            Step.slow(2.0),
            Step.html(),
            Step.no_choices(),
            Step.unknown_category(),
        ]
    )
    settings = _llm_settings(server, llm, f"sqlite:///{tmp_path / 'faulty.db'}")
    record = backfill(settings)
    assert record.status is RunStatus.COMPLETED
    assert export(settings) == expected
    assert record.counts.classified == counts.classified
    assert record.counts.failed == 0
    assert llm.calls > counts.classifier_calls  # the failures were retried


def test_a_rejected_key_fails_the_run_which_resumes_to_the_clean_result(
    mock_intercom: Server, llm: OpenAIServer, tmp_path: Path, database_url: str
) -> None:
    server = mock_intercom(**INBOX)
    expected, counts = _clean(server, llm, tmp_path)
    settings = _llm_settings(server, llm, database_url)

    # The key is revoked after 30 answers: batches are analysed ahead, so the revocation lands in
    # whichever batch asks next; everything before it is committed or cached.
    llm.set_script([Step.answer()] * 30 + [Step.error(401)] * 50)
    failed = backfill(settings)
    assert failed.status is RunStatus.FAILED
    assert failed.error
    assert 0 < failed.counts.classified < counts.classified
    llm.reset()
    done = resume_until_done(settings, failed)
    assert done.status is RunStatus.COMPLETED
    assert export(settings) == expected
    assert done.counts.classified == counts.classified


def test_an_llm_that_stays_down_marks_conversations_failed_never_guessed(
    mock_intercom: Server, llm: OpenAIServer, tmp_path: Path
) -> None:
    server = mock_intercom(**INBOX)
    llm.set_script([Step.error(503)] * 10_000)
    settings = _llm_settings(server, llm, f"sqlite:///{tmp_path / 'down.db'}", llm_max_retries=0)
    record = backfill(settings)
    assert record.status is RunStatus.COMPLETED
    kept = record.counts.stored - record.counts.filtered
    assert kept > 0
    assert record.counts.failed == kept
    assert record.counts.classified == 0
    rows = [json.loads(line) for line in export(settings).splitlines()]
    for row in rows:
        assert row["category"] is None
        assert row["classification_status"] in ("failed", None)
