"""Request bodies of the API, validated with messages a person can act on."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from convosift.config import MAX_BATCH_SIZE, MIN_BATCH_SIZE
from convosift.errors import ConfigurationError
from convosift.pipeline import windows

MAX_DAYS = 36_500


def _check_instant(value: str) -> None:
    try:
        windows.parse_instant(value)
    except ConfigurationError:
        raise ValueError(
            f"'{value}' is not an ISO date (2024-01-31) or date-time (2024-01-31T08:00:00Z)"
        ) from None


class RunRequest(BaseModel):
    """Body of ``POST /api/pipeline/run``: a backfill over ``days`` or ``since``/``until``, or a resume."""

    model_config = ConfigDict(extra="forbid")

    days: int | None = Field(None, ge=1, le=MAX_DAYS, description="Backfill the last N days.")
    since: str | None = Field(None, description="Window start, ISO date or datetime (UTC when naive).")
    until: str | None = Field(None, description="Window end (exclusive); default now.")
    batch_size: int | None = Field(
        None, ge=MIN_BATCH_SIZE, le=MAX_BATCH_SIZE, description="Conversations per batch."
    )
    max_conversations: int | None = Field(None, ge=1, description="Stop after this many conversations.")
    dry_run: bool = Field(False, description="Write nothing but the run record and a preview.")
    resume: bool = Field(False, description="Resume a stopped or failed run instead of starting one.")
    resume_run_id: str | None = Field(None, min_length=1, description="Run to resume (default: the latest).")

    @field_validator("since", "until")
    @classmethod
    def _iso_instant(cls, value: str | None) -> str | None:
        if value is not None:
            _check_instant(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RunRequest:
        if self.days is not None and (self.since is not None or self.until is not None):
            raise ValueError("give either days or since/until, not both")
        if self.resume_run_id is not None and not self.resume:
            raise ValueError("resume_run_id needs resume: true")
        if self.resume:
            return self
        if self.until is not None and self.since is None:
            raise ValueError("until needs since")
        if self.days is None and self.since is None:
            raise ValueError("give days or since (and optionally until)")
        since, until = self.since, self.until
        if since and until and windows.parse_instant(since) >= windows.parse_instant(until):
            raise ValueError(f"since ({self.since}) must be before until ({self.until})")
        return self


class StopRequest(BaseModel):
    """Body of ``POST /api/pipeline/stop``; without ``run_id`` the active run is stopped."""

    model_config = ConfigDict(extra="forbid")

    run_id: str | None = Field(None, min_length=1)
