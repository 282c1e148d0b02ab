from __future__ import annotations

from pathlib import Path

import pytest

from convosift.config import load_settings
from convosift.errors import ConfigurationError


def test_defaults_point_at_us_region_and_local_sqlite() -> None:
    settings = load_settings()
    assert settings.intercom_url == "https://api.intercom.io"
    assert settings.database_url == "sqlite:///convosift.db"
    assert settings.batch_size == 50


@pytest.mark.parametrize(
    ("region", "url"), [("eu", "https://api.eu.intercom.io"), ("au", "https://api.au.intercom.io")]
)
def test_region_selects_base_url(monkeypatch: pytest.MonkeyPatch, region: str, url: str) -> None:
    monkeypatch.setenv("INTERCOM_REGION", region)
    assert load_settings().intercom_url == url


def test_explicit_base_url_wins_over_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERCOM_REGION", "eu")
    monkeypatch.setenv("INTERCOM_BASE_URL", "http://127.0.0.1:9999/")
    assert load_settings().intercom_url == "http://127.0.0.1:9999"


@pytest.mark.parametrize("name", ["CONVOSIFT_BATCH_SIZE", "PIPELINE_STREAMING_BATCH_SIZE"])
def test_batch_size_accepts_both_variables(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "120")
    assert load_settings().batch_size == 120


@pytest.mark.parametrize("value", ["0", "9", "501", "abc"])
def test_out_of_range_batch_size_is_an_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CONVOSIFT_BATCH_SIZE", value)
    with pytest.raises(ConfigurationError, match="BATCH_SIZE"):
        load_settings()


def test_llm_concurrency_starts_at_16_and_may_grow_to_64() -> None:
    settings = load_settings()
    assert (settings.llm_concurrency, settings.llm_max_concurrency) == (16, 64)


def test_an_llm_maximum_below_the_starting_concurrency_says_which_to_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONVOSIFT_LLM_CONCURRENCY", "80")
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    message = str(raised.value)
    assert "CONVOSIFT_LLM_MAX_CONCURRENCY" in message and "CONVOSIFT_LLM_CONCURRENCY" in message
    assert "80" in message and "raise the maximum or lower the start" in message

    monkeypatch.setenv("CONVOSIFT_LLM_MAX_CONCURRENCY", "80")
    assert load_settings().llm_max_concurrency == 80


def test_unknown_region_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERCOM_REGION", "mars")
    with pytest.raises(ConfigurationError, match="INTERCOM_REGION"):
        load_settings()


def test_per_page_above_intercom_maximum_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTERCOM_PER_PAGE", "151")
    with pytest.raises(ConfigurationError, match="INTERCOM_PER_PAGE"):
        load_settings()


def test_bad_database_url_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        load_settings()


def test_toml_file_is_overridden_by_environment_then_by_arguments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "convosift.toml"
    config.write_text('batch_size = 200\nintercom_region = "eu"\nllm_model = "from-file"\n')
    monkeypatch.setenv("CONVOSIFT_BATCH_SIZE", "300")
    settings = load_settings(config, llm_model="from-arg")
    assert (settings.batch_size, settings.intercom_region, settings.llm_model) == (300, "eu", "from-arg")


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("batch_size = = 3")
    with pytest.raises(ConfigurationError, match=r"bad\.toml"):
        load_settings(config)


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\u00a0", "\u3000\u00a0 "])
def test_an_empty_or_blank_api_token_is_refused_at_load(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CONVOSIFT_API_TOKEN", value)
    with pytest.raises(
        ConfigurationError, match="CONVOSIFT_API_TOKEN: is empty or only whitespace"
    ) as caught:
        load_settings()
    assert "unset it" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (" secret-token-1", "starts or ends with whitespace"),
        ("secret-token-2 ", "starts or ends with whitespace"),
        ("secret-tökén-3", "characters an Authorization header cannot carry"),
        ("secret\x7ftoken-4", "characters an Authorization header cannot carry"),
    ],
)
def test_an_api_token_http_cannot_carry_is_refused_without_printing_it(
    monkeypatch: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    monkeypatch.setenv("CONVOSIFT_API_TOKEN", value)
    with pytest.raises(ConfigurationError, match=problem) as caught:
        load_settings()
    assert "secret" not in str(caught.value)


def test_an_empty_api_token_is_refused_from_an_override_too() -> None:
    with pytest.raises(ConfigurationError, match=r"api_token \(CONVOSIFT_API_TOKEN\): is empty"):
        load_settings(api_token="")


def test_a_printable_api_token_is_kept_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVOSIFT_API_TOKEN", "tok en-with_inner.space~+/=")
    token = load_settings().api_token
    assert token is not None and token.get_secret_value() == "tok en-with_inner.space~+/="
