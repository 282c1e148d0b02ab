from __future__ import annotations

import json

import pytest
import structlog

from convosift.config import load_settings
from convosift.errors import ConvosiftError
from convosift.logs import configure_logging
from convosift.secrets import scrub


def test_loaded_secrets_are_masked_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", "tok_live_abcdef123456")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-987654321")
    load_settings()
    text = "token tok_live_abcdef123456 and key sk-secret-987654321"
    assert "abcdef123456" not in scrub(text)
    assert "987654321" not in scrub(text)
    assert "abcdef123456" not in str(ConvosiftError(f"request failed with {text}"))


def test_bearer_headers_and_token_parameters_are_masked() -> None:
    assert scrub("Authorization: Bearer abc.def-123") == "Authorization: Bearer ***"
    assert scrub("GET /x?access_token=zzz999&a=1") == "GET /x?access_token=***&a=1"


def test_log_events_are_scrubbed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CONVOSIFT_API_TOKEN", "api-token-xyz-777")
    load_settings()
    configure_logging("info", "json")
    structlog.get_logger("t").info("calling", header="Bearer api-token-xyz-777", note="api-token-xyz-777")
    err = capsys.readouterr().err
    event = json.loads(err.strip().splitlines()[-1])
    assert "api-token-xyz-777" not in err
    assert event["note"] == "***"
