"""Request bodies and bounded query values of the API, validated with messages a person can act on.

Ranges and windows are checked by the library (:mod:`convosift.limits`,
:mod:`convosift.pipeline.windows`), the same code the CLI calls; here their refusals become
pydantic validation errors, so the API answers them as 422 ``validation_error`` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from convosift import limits
from convosift.config import MAX_BATCH_SIZE, MIN_BATCH_SIZE
from convosift.errors import ConfigurationError
from convosift.pipeline import windows


def _within(allowed: limits.Range) -> Callable[[int], int]:
    def validate(value: int) -> int:
        problem = allowed.problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    return validate


def _checked(allowed: limits.Range) -> AfterValidator:
    return AfterValidator(_within(allowed))


def _documented(allowed: limits.Range) -> WithJsonSchema:
    # The schema states the bounds the validator enforces, so /openapi.json documents them.
    return WithJsonSchema({"type": "integer", "minimum": allowed.low, "maximum": allowed.high})


def _instant(value: str | None) -> str | None:
    if value is not None:
        try:
            windows.parse_instant(value)
        except ConfigurationError as exc:
            raise ValueError(exc.message) from None
    return value


Days = Annotated[int, _checked(limits.DAYS), _documented(limits.DAYS)]
Offset = Annotated[int, _checked(limits.OFFSET), _documented(limits.OFFSET)]
PageSize = Annotated[int, _checked(limits.PAGE_SIZE), _documented(limits.PAGE_SIZE)]
HistorySize = Annotated[int, _checked(limits.HISTORY_SIZE), _documented(limits.HISTORY_SIZE)]
Instant = Annotated[str | None, AfterValidator(_instant)]


class RunRequest(BaseModel):
    """Body of ``POST /api/pipeline/run``: a backfill over ``days`` or ``since``/``until``, or a resume."""

    model_config = ConfigDict(extra="forbid")

    days: Days | None = Field(None, description="Backfill the last N days.")
    since: Instant = Field(None, description="Window start, ISO date or datetime (UTC when naive).")
    until: Instant = Field(None, description="Window end (exclusive); default now.")
    batch_size: int | None = Field(
        None, ge=MIN_BATCH_SIZE, le=MAX_BATCH_SIZE, description="Conversations per batch."
    )
    max_conversations: int | None = Field(None, ge=1, description="Stop after this many conversations.")
    dry_run: bool = Field(False, description="Write nothing but the run record and a preview.")
    reanalyze: bool = Field(False, description="Also fetch and analyse conversations stored unchanged.")
    resume: bool = Field(False, description="Resume a stopped or failed run instead of starting one.")
    resume_run_id: str | None = Field(
        None, min_length=1, max_length=64, description="Run to resume (default: the latest)."
    )
    source: str | None = Field(
        None, min_length=1, max_length=64, description="Named source (default: the only one configured)."
    )
    queue: bool = Field(False, description="Queue the backfill for `convosift worker` (PostgreSQL).")

    @model_validator(mode="after")
    def _consistent(self) -> RunRequest:
        if self.resume_run_id is not None and not self.resume:
            raise ValueError("resume_run_id needs resume: true")
        if self.resume and (self.reanalyze or self.dry_run):
            raise ValueError(
                "a resume keeps the options of its run; dry_run and reanalyze start a new backfill"
            )
        if self.queue and (self.resume or self.dry_run or self.reanalyze):
            raise ValueError("queue takes a new backfill; a resume, a dry run or a reanalysis runs here")
        if self.resume and self.days is None and self.since is None and self.until is None:
            return self  # resume over the run's own window
        try:
            windows.check_request(self.days, self.since, self.until)
        except ConfigurationError as exc:
            raise ValueError(exc.message) from None
        return self


class StopRequest(BaseModel):
    """Body of ``POST /api/pipeline/stop``; without ``run_id`` the active run is stopped."""

    model_config = ConfigDict(extra="forbid")

    run_id: str | None = Field(None, min_length=1)
    source: str | None = Field(
        None, min_length=1, max_length=64, description="Source whose active run stops (without run_id)."
    )


_SIGNATURE = Field(None, min_length=1, max_length=128, description="snake_case theme signature.")
_TITLE = Field(None, min_length=1, max_length=120, description="Title a person reads.")


class AcceptRequest(BaseModel):
    """Body of ``POST /api/proposals/{id}/accept``: the new theme's signature and title (default:
    the proposal's)."""

    model_config = ConfigDict(extra="forbid")

    signature: str | None = _SIGNATURE
    title: str | None = _TITLE


class RenameRequest(BaseModel):
    """Body of ``POST /api/proposals/{id}/rename``: a new title, a new suggested signature, or both."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = _TITLE
    signature: str | None = _SIGNATURE

    @model_validator(mode="after")
    def _something(self) -> RenameRequest:
        if self.title is None and self.signature is None:
            raise ValueError("give a title, a signature, or both")
        return self


class MergeRequest(BaseModel):
    """Body of ``POST /api/proposals/{id}/merge``: the active theme that absorbs the proposal."""

    model_config = ConfigDict(extra="forbid")

    into: str = Field(..., min_length=1, max_length=128, description="Signature of an active theme.")
