"""Reference docs are generated from the code; a stale or missing page fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from convosift import docgen
from convosift.config import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_configuration_reference_is_current() -> None:
    assert (DOCS / "configuration.md").read_text() == docgen.settings_reference(), (
        "docs/configuration.md is stale: run `python -m convosift.docgen`"
    )


def test_cli_reference_is_current() -> None:
    assert (DOCS / "cli.md").read_text() == docgen.cli_reference(), (
        "docs/cli.md is stale: run `python -m convosift.docgen`"
    )


def test_api_reference_is_current() -> None:
    assert (DOCS / "api.md").read_text() == docgen.api_reference(), (
        "docs/api.md is stale: run `python -m convosift.docgen`"
    )


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.description, f"setting {name} has no description"
    assert f"`{name}`" in (DOCS / "configuration.md").read_text()
