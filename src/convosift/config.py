"""Settings from the environment and an optional TOML file, validated with clear errors.

This is the only module that reads the environment. Every setting has one field below; its
environment variable(s) are listed in ``validation_alias``. Values from a TOML file
(``CONVOSIFT_CONFIG`` or ``--config``) use the field names, e.g. ``batch_size = 100``;
environment variables win over the file, explicit overrides win over both.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from convosift.errors import ConfigurationError
from convosift.named_sources import SOURCE_NAME_PATTERN, NamedSource
from convosift.secrets import register_secret

REGION_BASE_URLS: dict[str, str] = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}
DEFAULT_INTERCOM_VERSION = "2.14"
MIN_BATCH_SIZE = 10
MAX_BATCH_SIZE = 500
MAX_LLM_CONCURRENCY = 1000


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """All of convosift's settings. See ``docs/configuration.md`` for the generated table."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, case_sensitive=False)

    # --- Intercom ---
    intercom_access_token: SecretStr | None = Field(
        None,
        validation_alias=_env("INTERCOM_ACCESS_TOKEN", "intercom_access_token"),
        description="Intercom access token (Bearer).",
    )
    intercom_region: Literal["us", "eu", "au"] = Field(
        "us",
        validation_alias=_env("INTERCOM_REGION", "intercom_region"),
        description="Intercom data region: us, eu or au (ignored when a base URL is set).",
    )
    intercom_base_url: str | None = Field(
        None,
        validation_alias=_env("INTERCOM_BASE_URL", "intercom_base_url"),
        description="Intercom API base URL; overrides the region.",
    )
    intercom_api_version: str = Field(
        DEFAULT_INTERCOM_VERSION,
        validation_alias=_env("INTERCOM_API_VERSION", "intercom_api_version"),
        description="Value of the Intercom-Version header.",
    )
    intercom_per_page: int = Field(
        150,
        ge=1,
        le=150,
        validation_alias=_env("INTERCOM_PER_PAGE", "intercom_per_page"),
        description="Search page size (at most 150).",
    )
    intercom_fetch_concurrency: int = Field(
        32,
        ge=1,
        le=64,
        validation_alias=_env("INTERCOM_FETCH_CONCURRENCY", "intercom_fetch_concurrency"),
        description="Conversation detail requests in flight per source (the rate limit still paces them).",
    )
    intercom_timeout_seconds: float = Field(
        30.0,
        gt=0,
        validation_alias=_env("INTERCOM_TIMEOUT_SECONDS", "intercom_timeout_seconds"),
        description="Timeout of one Intercom request.",
    )
    intercom_max_retries: int = Field(
        6,
        ge=0,
        le=50,
        validation_alias=_env("INTERCOM_MAX_RETRIES", "intercom_max_retries"),
        description="Retries of a request on 429, 5xx, timeouts and connection errors.",
    )

    # --- named sources (settings file only) ---
    sources: dict[str, NamedSource] = Field(
        default_factory=dict,
        description="Named sources, [sources.NAME] tables: kind, region or base_url, token_env, path, sync_every.",
    )
    source_name: str | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_SOURCE_NAME", "source_name"),
        description=(
            "The named source commands act on (--source); the default when only one is "
            "configured. Without named sources, runs and rows are keyed by CONVOSIFT_SOURCE."
        ),
    )

    # --- storage and pipeline ---
    database_url: str = Field(
        "sqlite:///convosift.db",
        validation_alias=_env("CONVOSIFT_DATABASE_URL", "database_url"),
        description="SQLAlchemy URL: sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB.",
    )
    batch_size: int = Field(
        50,
        validation_alias=_env("CONVOSIFT_BATCH_SIZE", "PIPELINE_STREAMING_BATCH_SIZE", "batch_size"),
        description=f"Conversations per batch ({MIN_BATCH_SIZE}-{MAX_BATCH_SIZE}).",
    )
    source: Literal["intercom", "files"] = Field(
        "intercom",
        validation_alias=_env("CONVOSIFT_SOURCE", "source"),
        description="Where conversations come from: intercom or files.",
    )
    source_path: Path | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_SOURCE_PATH", "source_path"),
        description="JSONL or Intercom JSON export read by the files source.",
    )
    max_record_bytes: int = Field(
        5 << 20,
        ge=1024,
        validation_alias=_env("CONVOSIFT_MAX_RECORD_BYTES", "max_record_bytes"),
        description=(
            "Largest conversation JSON read from a file or from Intercom, in bytes; a larger one is"
            " skipped as too_large."
        ),
    )
    sync_lookback_seconds: int = Field(
        3600,
        ge=0,
        validation_alias=_env("CONVOSIFT_SYNC_LOOKBACK_SECONDS", "sync_lookback_seconds"),
        description="Overlap subtracted from a sync's start time to form the next bookmark.",
    )
    fetch_ahead: int = Field(
        2,
        ge=0,
        le=16,
        validation_alias=_env("CONVOSIFT_FETCH_AHEAD", "fetch_ahead"),
        description=(
            "Batches listed and fetched ahead of the one being analysed, so the help desk's rate "
            "limit is used while analysis runs. A crash re-fetches at most this many batches plus "
            "the ones being analysed; 0 fetches one batch at a time."
        ),
    )
    heartbeat_seconds: float = Field(
        5.0,
        gt=0,
        validation_alias=_env("CONVOSIFT_HEARTBEAT_SECONDS", "heartbeat_seconds"),
        description="How often a running run records its heartbeat.",
    )
    stale_after_seconds: float = Field(
        120.0,
        gt=0,
        validation_alias=_env("CONVOSIFT_STALE_AFTER_SECONDS", "stale_after_seconds"),
        description="A running run whose heartbeat is older than this is stale and can be taken over.",
    )

    # --- quality filter ---
    filter_min_chars: int = Field(
        20,
        ge=0,
        validation_alias=_env("CONVOSIFT_FILTER_MIN_CHARS", "filter_min_chars"),
        description="Customer text shorter than this is too short (unless follow-ups recover it).",
    )
    filter_min_words: int = Field(
        4,
        ge=0,
        validation_alias=_env("CONVOSIFT_FILTER_MIN_WORDS", "filter_min_words"),
        description="Customer text with fewer words than this is too short.",
    )
    filter_terse_requests: bool = Field(
        True,
        validation_alias=_env("CONVOSIFT_FILTER_TERSE_REQUESTS", "filter_terse_requests"),
        description="Keep a short opener, or a short follow-up after 'hi', that names a need "
        "('Card stolen', not 'hello there' or 'thanks, that worked').",
    )
    filter_template_phrases: list[str] | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_FILTER_TEMPLATE_PHRASES", "filter_template_phrases"),
        description="Canned quick-reply texts that say nothing (JSON list; default: the built-in list).",
    )

    # --- classification and themes ---
    classifier: Literal["local", "llm", "none"] = Field(
        "local",
        validation_alias=_env("CONVOSIFT_CLASSIFIER", "classifier"),
        description="Classifier backend: the embedded local model, an OpenAI-compatible LLM, or none "
        "(every kept conversation stays unclassified).",
    )
    taxonomy_path: Path | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_TAXONOMY", "taxonomy_path"),
        description="Category taxonomy YAML (default: the shipped taxonomy).",
    )
    vocabulary_path: Path | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_VOCABULARY", "vocabulary_path"),
        description="Theme vocabulary YAML (default: none, nothing is themed until a proposal is accepted).",
    )
    themes_contrast_proposals: bool = Field(
        True,
        validation_alias=_env("CONVOSIFT_THEMES_CONTRAST_PROPOSALS", "themes_contrast_proposals"),
        description="Teach the theme matcher that open and dismissed proposals are not themes.",
    )
    cache_dir: Path = Field(
        Path(".convosift-cache"),
        validation_alias=_env("CONVOSIFT_CACHE_DIR", "cache_dir"),
        description="Where trained local models are cached (the 32 used last are kept).",
    )
    review_confidence: float = Field(
        0.5,
        ge=0,
        le=1,
        validation_alias=_env("CONVOSIFT_REVIEW_CONFIDENCE", "review_confidence"),
        description="Classifications below this confidence are flagged for review.",
    )
    llm_base_url: str | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_LLM_BASE_URL", "OPENAI_BASE_URL", "llm_base_url"),
        description="OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama, llama.cpp).",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key"),
        description="API key of the LLM endpoint.",
    )
    llm_model: str = Field(
        "gpt-4o-mini",
        validation_alias=_env("CONVOSIFT_LLM_MODEL", "llm_model"),
        description="Model name sent to the LLM endpoint.",
    )
    llm_concurrency: int = Field(
        16,
        ge=1,
        le=MAX_LLM_CONCURRENCY,
        validation_alias=_env("CONVOSIFT_LLM_CONCURRENCY", "llm_concurrency"),
        description="Concurrent LLM requests at the start; halved on 429, 503 or timeouts, grown by one "
        "while latency holds.",
    )
    llm_max_concurrency: int = Field(
        64,
        ge=1,
        le=MAX_LLM_CONCURRENCY,
        validation_alias=_env("CONVOSIFT_LLM_MAX_CONCURRENCY", "llm_max_concurrency"),
        description="Most concurrent LLM requests the adaptive limit may reach (at least llm_concurrency; "
        "equal to it for a limit that never grows).",
    )
    llm_max_retries: int = Field(
        4,
        ge=0,
        le=20,
        validation_alias=_env("CONVOSIFT_LLM_MAX_RETRIES", "llm_max_retries"),
        description="Retries of an LLM call on 429, 5xx, timeouts and invalid JSON.",
    )
    llm_timeout_seconds: float = Field(
        60.0,
        gt=0,
        validation_alias=_env("CONVOSIFT_LLM_TIMEOUT_SECONDS", "llm_timeout_seconds"),
        description="Timeout of one LLM request.",
    )
    llm_redact_pii: bool = Field(
        True,
        validation_alias=_env("CONVOSIFT_LLM_REDACT_PII", "llm_redact_pii"),
        description="Mask emails, phone and card numbers and tokens before text is sent to the LLM.",
    )
    llm_input_cost_per_1k: float = Field(
        0.00015,
        ge=0,
        validation_alias=_env("CONVOSIFT_LLM_INPUT_COST_PER_1K", "llm_input_cost_per_1k"),
        description="Estimated cost (USD) per 1,000 prompt tokens.",
    )
    llm_output_cost_per_1k: float = Field(
        0.0006,
        ge=0,
        validation_alias=_env("CONVOSIFT_LLM_OUTPUT_COST_PER_1K", "llm_output_cost_per_1k"),
        description="Estimated cost (USD) per 1,000 completion tokens.",
    )

    # --- API ---
    api_token: SecretStr | None = Field(
        None,
        validation_alias=_env("CONVOSIFT_API_TOKEN", "api_token"),
        description="Bearer token required by the API's mutating endpoints when set (printable ASCII, "
        "not empty, no surrounding spaces).",
    )
    api_allowed_origins: str = Field(
        "",
        max_length=2000,
        validation_alias=_env("CONVOSIFT_API_ALLOWED_ORIGINS", "api_allowed_origins"),
        description="Comma-separated origins (scheme://host[:port]) whose pages may POST to the API "
        "besides its own address: the dashboard's address behind a proxy that rewrites Host on plain HTTP.",
    )
    api_host: str = Field(
        "127.0.0.1",
        validation_alias=_env("CONVOSIFT_API_HOST", "api_host"),
        description="Address the API binds to (loopback by default).",
    )
    api_port: int = Field(
        8000,
        ge=1,
        le=65535,
        validation_alias=_env("CONVOSIFT_API_PORT", "api_port"),
        description="Port the API listens on.",
    )
    log_format: Literal["console", "json"] = Field(
        "console",
        validation_alias=_env("CONVOSIFT_LOG_FORMAT", "log_format"),
        description="Log format on stderr.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "warning",
        validation_alias=_env("CONVOSIFT_LOG_LEVEL", "log_level"),
        description="Lowest level logged.",
    )

    @field_validator("batch_size")
    @classmethod
    def _batch_size_in_range(cls, value: int) -> int:
        if not MIN_BATCH_SIZE <= value <= MAX_BATCH_SIZE:
            raise ValueError(f"must be between {MIN_BATCH_SIZE} and {MAX_BATCH_SIZE}, got {value}")
        return value

    @field_validator("llm_max_concurrency")
    @classmethod
    def _llm_max_concurrency_not_below_start(cls, value: int, info: ValidationInfo) -> int:
        start = info.data.get("llm_concurrency")
        if isinstance(start, int) and value < start:
            raise ValueError(
                f"is {value}, below llm_concurrency (CONVOSIFT_LLM_CONCURRENCY), the starting "
                f"concurrency, which is {start}; raise the maximum or lower the start"
            )
        return value

    @field_validator("api_token")
    @classmethod
    def _api_token_usable(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty token would switch protection on with a credential anyone can guess, and one that
        # HTTP cannot carry (surrounding spaces, which header parsing strips; non-ASCII) locks
        # everyone out. The messages never repeat the value.
        if value is None:
            return None
        token = value.get_secret_value()
        if not token.strip():
            raise ValueError(
                "is empty or only whitespace; set a long random value (e.g. `openssl rand -hex 32`) "
                "or unset it to leave the API without a token"
            )
        if token != token.strip():
            raise ValueError(
                "starts or ends with whitespace, which an Authorization header cannot carry; remove it"
            )
        if not (token.isascii() and token.isprintable()):
            raise ValueError(
                "holds characters an Authorization header cannot carry; use letters, digits and -._~+/="
            )
        return value

    @field_validator("sources")
    @classmethod
    def _source_names(cls, value: dict[str, NamedSource]) -> dict[str, NamedSource]:
        import re

        for name in value:
            if not re.match(SOURCE_NAME_PATTERN, name):
                raise ValueError(
                    f"source name {name!r}: use lower-case letters, digits, - and _ (at most 63)"
                )
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_supported(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @model_validator(mode="after")
    def _register_secrets(self) -> Settings:
        for secret in (self.intercom_access_token, self.llm_api_key, self.api_token):
            if secret is not None:
                register_secret(secret.get_secret_value())
        return self

    @property
    def intercom_url(self) -> str:
        """The base URL requests go to: the explicit one, else the region's."""
        return (self.intercom_base_url or REGION_BASE_URLS[self.intercom_region]).rstrip("/")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"config file {path} is not valid TOML: {exc}") from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        env_names = _env_names(field)
        where = f"{field} ({env_names})" if env_names else field
        problems.append(f"{where}: {str(error['msg']).removeprefix('Value error, ')}")
    return "invalid setting: " + "; ".join(problems)


def _env_names(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = getattr(info, "validation_alias", None) if info else None
    choices = getattr(alias, "choices", [])
    return ", ".join(str(choice) for choice in choices if str(choice).isupper())


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Load settings: TOML file < environment < explicit ``overrides`` (None values are ignored)."""
    file_values: dict[str, Any] = {}
    path = config_file or (
        Path(os.environ["CONVOSIFT_CONFIG"]) if os.environ.get("CONVOSIFT_CONFIG") else None
    )
    if path is not None:
        file_values = _read_toml(path)
    explicit = {key: value for key, value in overrides.items() if value is not None}
    try:
        from_env = Settings()
        merged = {**file_values}
        env_set = {name for name in Settings.model_fields if _field_set_in_env(name)}
        merged.update({name: getattr(from_env, name) for name in env_set})
        merged.update(explicit)
        return Settings.model_validate(merged) if merged else from_env
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from None


def _field_set_in_env(field: str) -> bool:
    names = _env_names(field).split(", ")
    return any(name and name in os.environ for name in names)


def environment_variables_with_prefix(*prefixes: str) -> list[str]:
    """Names of environment variables starting with any prefix (tests use this to scrub them)."""
    return [name for name in os.environ if name.startswith(prefixes)]
