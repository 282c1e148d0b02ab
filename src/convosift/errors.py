"""One exception tree, grouped by what the caller should do.

Every error convosift raises on purpose derives from :class:`ConvosiftError`. Each class carries
the exit code the CLI uses and the HTTP status the API uses, so one place
(:func:`convosift.cli.app.run_command` and the API's exception handler) turns them into output.
Messages are written for the user: they say what went wrong and what to do, and they never
contain a secret (see :mod:`convosift.secrets`).

A resumable stop is not an error: :class:`StopRequested` is a signal the pipeline raises and
catches itself.
"""

from __future__ import annotations

from convosift.secrets import scrub


class ConvosiftError(Exception):
    """Base of every error convosift raises on purpose."""

    exit_code: int = 1
    http_status: int = 500
    code: str = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = scrub(message)
        self.hint = scrub(hint) if hint else None
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def to_dict(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message}
        if self.hint:
            body["hint"] = self.hint
        return body


# --- configuration ---------------------------------------------------------------------------


class ConfigurationError(ConvosiftError):
    """A setting, a file or a command-line value is invalid. Fix the input and run again."""

    exit_code = 2
    http_status = 422
    code = "configuration_error"


# --- sources ---------------------------------------------------------------------------------


class SourceError(ConvosiftError):
    """Something went wrong while reading the help desk."""

    exit_code = 3
    http_status = 502
    code = "source_error"


class SourceFatalError(SourceError):
    """Retrying will not help (bad token, forbidden, bad request)."""

    code = "source_fatal"


class AuthenticationError(SourceFatalError):
    """The help desk refused the token (401/403)."""

    code = "authentication_failed"


class SourceRetriableError(SourceError):
    """A transient failure (5xx, timeout, connection reset, rate limit) that outlived its retries.

    The run is recorded as failed and can be resumed from its checkpoint.
    """

    code = "source_unavailable"


class RateLimitedError(SourceRetriableError):
    code = "rate_limited"

    def __init__(self, message: str, *, reset_at: float | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reset_at = reset_at


class InvalidCursorError(SourceError):
    """The pagination cursor is no longer accepted; the pipeline restarts the window."""

    code = "invalid_cursor"


class SkippableRecordError(SourceError):
    """One record cannot be read (malformed, gone); it is recorded with its reason and the run goes on."""

    code = "skippable_record"

    def __init__(self, message: str, *, record_id: str | None = None, reason: str = "malformed") -> None:
        super().__init__(message)
        self.record_id = record_id
        self.reason = reason


# --- store -----------------------------------------------------------------------------------


class StoreError(ConvosiftError):
    """The database failed. The batch in flight was rolled back; resume the run."""

    exit_code = 4
    http_status = 503
    code = "store_error"


class RunConflictError(StoreError):
    """Another run is already active for this source."""

    exit_code = 5
    http_status = 409
    code = "run_conflict"


class RunNotFoundError(StoreError):
    exit_code = 6
    http_status = 404
    code = "run_not_found"


class NotFoundError(ConvosiftError):
    exit_code = 6
    http_status = 404
    code = "not_found"


# --- classifier ------------------------------------------------------------------------------


class ClassifierError(ConvosiftError):
    """Classification failed for a whole batch (not a single conversation)."""

    exit_code = 7
    http_status = 502
    code = "classifier_error"


class ClassifierRetriableError(ClassifierError):
    code = "classifier_unavailable"


# --- signals ---------------------------------------------------------------------------------


class StopRequested(Exception):
    """Raised inside the pipeline when a stop was requested; the run ends as ``stopped``."""
