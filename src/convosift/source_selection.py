"""The settings a run of one source uses: a ``[sources.NAME]`` table of the settings file
(:mod:`convosift.named_sources`) applied to the loaded settings, its token read from the
environment."""

from __future__ import annotations

import os
from typing import Any

from pydantic import SecretStr

from convosift.config import Settings
from convosift.errors import ConfigurationError
from convosift.secrets import register_secret


def select_source(settings: Settings, name: str | None = None) -> Settings:
    """Settings that act on one source: ``name``, else ``source_name``, else the only one configured.

    Without ``[sources.NAME]`` tables the settings come back unchanged: the single-source
    environment variables form an unnamed default source keyed by ``CONVOSIFT_SOURCE``. A named
    source's token is read from the environment variable its ``token_env`` names.
    """
    chosen = name or settings.source_name
    names = ", ".join(sorted(settings.sources)) or "none"
    if not settings.sources:
        if chosen is None or chosen == settings.source:
            return settings
        raise ConfigurationError(
            f"unknown source {chosen!r}: no named source is configured",
            hint="add a [sources.NAME] table to the settings file (CONVOSIFT_CONFIG), or name no source",
        )
    if chosen is None:
        if len(settings.sources) > 1:
            raise ConfigurationError(
                f"{len(settings.sources)} sources are configured ({names}): choose one",
                hint="name one: --source NAME on the command line, ?source=NAME in the API, or CONVOSIFT_SOURCE_NAME",
            )
        chosen = next(iter(settings.sources))
    spec = settings.sources.get(chosen)
    if spec is None:
        raise ConfigurationError(f"unknown source {chosen!r}; configured sources: {names}")
    update: dict[str, Any] = {"source": spec.kind, "source_name": chosen}
    if spec.kind == "files":
        update["source_path"] = spec.path
    else:
        update["intercom_base_url"] = spec.base_url
        update["intercom_region"] = spec.region or settings.intercom_region
        token = os.environ.get(spec.token_env) if spec.token_env else None
        if token:
            register_secret(token)
        update["intercom_access_token"] = SecretStr(token) if token else None
    return settings.model_copy(update=update)


def source_token_missing(settings: Settings) -> str | None:
    """The environment variable a selected named Intercom source needs and lacks, if any."""
    spec = settings.sources.get(settings.source_name or "")
    if spec is None or spec.kind != "intercom" or spec.token_env is None:
        return None
    return None if os.environ.get(spec.token_env) else spec.token_env
