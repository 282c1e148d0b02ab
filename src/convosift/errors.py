"""One exception tree, grouped by what the caller should do.

Every error convosift raises on purpose derives from :class:`ConvosiftError`, and every such class
is defined in this module (``tests/test_errors.py`` checks it). Each class carries the exit code
the CLI uses and the HTTP status the API uses, so one place each
(:func:`convosift.cli.app.handle_errors` and :mod:`convosift.api.errors`) turns them into output.
Messages are written for the user: they say what went wrong and what to do, and they never
contain a secret (see :mod:`convosift.secrets`).

The groups, by what the caller should do:

- :class:`ConfigurationError`, :class:`UnauthorizedError`: fix the input, then run again;
- :class:`NotFoundError`: the thing asked for does not exist; ask for another;
- :class:`ConflictError`: another process owns the run or the source; wait for it, stop it or
  resume it, but do not simply retry;
- :class:`SourceError` (fatal, retriable, skippable record), :class:`StoreError` and
  :class:`ClassifierError`: a dependency failed; the subclass says whether to retry, skip the
  record or fix the settings, and the run can be resumed from its checkpoint.

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


class UnknownValueError(ConfigurationError):
    """A request names a value its field cannot take (a mistyped category or theme in a filter):
    the message lists the values it can."""

    code = "validation_error"


class UnauthorizedError(ConvosiftError):
    """An API request lacks the API token or carries a wrong one. Send the right token."""

    exit_code = 2
    http_status = 401
    code = "unauthorized"


# --- things that do not exist ----------------------------------------------------------------


class NotFoundError(ConvosiftError):
    """The run, conversation or theme asked for does not exist."""

    exit_code = 6
    http_status = 404
    code = "not_found"


class RunNotFoundError(NotFoundError):
    code = "run_not_found"


# --- runs owned by another process -----------------------------------------------------------


class ConflictError(ConvosiftError):
    """Another process owns the run or the source: wait for it, stop it or resume it.

    Retrying at once will not help; ``convosift status`` names the owner.
    """

    exit_code = 5
    http_status = 409
    code = "conflict"


class RunConflictError(ConflictError):
    """Another run is already active for this source, or claimed this run at the same moment."""

    code = "run_conflict"


class RunTakenOverError(ConflictError):
    """Another process took this run over (its heartbeat looked stale); this execution must end.

    Nothing of the batch in flight was written: the commit that noticed it was rolled back.
    """

    code = "run_taken_over"

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"run {run_id} was taken over by another process", hint="check `convosift status` for its owner"
        )


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


class MalformedResponseError(SourceRetriableError):
    """Intercom kept answering with invalid or truncated JSON."""

    code = "malformed_response"


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
    lost_connection = False
    """True when the database could not be reached or the connection broke: trying again may work."""


# --- classifier ------------------------------------------------------------------------------


class ClassifierError(ConvosiftError):
    """Classification failed: this class itself stops the batch (fix the backend settings, resume).

    Its subclasses are narrower: retried after a delay, or failing only one conversation.
    """

    exit_code = 7
    http_status = 502
    code = "classifier_error"


class ClassifierRetriableError(ClassifierError):
    """A transient failure worth retrying after a delay."""

    code = "classifier_unavailable"


class RetriableCallError(ClassifierRetriableError):
    """The LLM endpoint failed transiently; retry after at least ``retry_after`` seconds when given.

    ``congestion`` says the endpoint is overloaded (429, 503, a timeout): fewer requests at once help.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        congestion: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status
        self.congestion = congestion


class InvalidAnswerError(ClassifierRetriableError):
    """The model replied, but not with a usable answer (not JSON, off-schema, unknown category)."""

    code = "classifier_invalid_answer"


class RejectedCallError(ClassifierError):
    """The LLM endpoint refused this request (400/422, content filter): only this conversation fails.

    Retrying it unchanged will not help, but other conversations may work, so the analyzer records
    this one as failed and goes on.
    """

    code = "classifier_rejected"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# --- signals ---------------------------------------------------------------------------------


class StopRequested(Exception):
    """Raised inside the pipeline when a stop was requested; the run ends as ``stopped``."""
