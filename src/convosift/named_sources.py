"""Named sources: the ``[sources.NAME]`` tables of the settings file, and their intervals.

Only the shape of a table lives here; :func:`convosift.source_selection.select_source` turns one into the
settings a run of that source uses (reading its token from the environment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """Seconds in ``"90s"``, ``"15m"``, ``"2h"`` or ``"1d"`` (at least one minute)."""
    value = text.strip().lower()
    unit = DURATION_UNITS.get(value[-1:]) if value else None
    if unit is None or not value[:-1].isdigit():
        raise ValueError(f"{text!r} is not a duration like 90s, 15m, 2h or 1d")
    seconds = int(value[:-1]) * unit
    if seconds < 60:
        raise ValueError(f"{text!r} is shorter than a minute")
    return seconds


class NamedSource(BaseModel):
    """One ``[sources.NAME]`` table of the settings file: a help-desk workspace or an export."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["intercom", "files"]
    region: Literal["us", "eu", "au"] | None = None
    base_url: str | None = None
    token_env: str | None = Field(None, pattern=ENV_NAME_PATTERN)
    """Name of the environment variable holding this workspace's token (never the token itself)."""
    path: Path | None = None
    sync_every: str | None = None
    """How often workers sync this source, e.g. ``"15m"``; unset: only when asked."""

    @field_validator("sync_every")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _complete(self) -> NamedSource:
        if self.kind == "files" and self.path is None:
            raise ValueError("a files source needs a path")
        if self.kind == "intercom" and self.path is not None:
            raise ValueError("path belongs to files sources; an intercom source takes base_url or region")
        return self

    @property
    def sync_seconds(self) -> int | None:
        return parse_duration(self.sync_every) if self.sync_every else None
