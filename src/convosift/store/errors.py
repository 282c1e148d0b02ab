"""Translate SQLAlchemy's exceptions into :class:`~convosift.errors.StoreError` at the store's edge.

Messages name the kind of failure and what to do; they never quote SQL parameters (which hold
customer text). ``tests/store/test_errors.py`` fails when SQLAlchemy grows an exception that
has no entry here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from convosift.errors import ConfigurationError, ConvosiftError, StoreError

_RESUME = "the batch in flight was rolled back; resume the run once the database is healthy"

MESSAGES: dict[type[exc.SQLAlchemyError], str] = {
    exc.OperationalError: "the database is unavailable or locked",
    exc.IntegrityError: "a database constraint was violated",
    exc.DataError: "the database rejected a value",
    exc.ProgrammingError: "the database schema does not match this version of convosift",
    exc.InternalError: "the database reported an internal error",
    exc.NotSupportedError: "the database does not support an operation convosift needs",
    exc.InterfaceError: "the database driver lost its connection",
    exc.DatabaseError: "the database failed",
    exc.DBAPIError: "the database driver failed",
    exc.TimeoutError: "no database connection became free in time",
    exc.DisconnectionError: "the database connection was lost",
    exc.ResourceClosedError: "a database connection or result was used after it was closed",
    exc.NoSuchTableError: "a table is missing: the database was not migrated",
    exc.NoReferenceError: "the database schema does not match this version of convosift",
    exc.CompileError: "a query could not be compiled for this database",
    exc.InvalidRequestError: "the store was used incorrectly",
    exc.ObjectNotExecutableError: "the store was used incorrectly",
    exc.UnboundExecutionError: "the store was used incorrectly",
    exc.NoInspectionAvailable: "the store was used incorrectly",
    exc.CircularDependencyError: "the schema has a circular dependency",
    exc.AwaitRequired: "the store was used incorrectly",
    exc.MissingGreenlet: "the store was used incorrectly",
    exc.InvalidatePoolError: "the database connection was lost",
    exc.StatementError: "a database statement failed",
    exc.IdentifierError: "a database identifier is too long",
    exc.UnsupportedCompilationError: "a query could not be compiled for this database",
}
_CONNECTION_ERRORS = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.InvalidatePoolError,
    exc.TimeoutError,
)
"""Failures of reaching the database or of a connection to it, rather than of a statement."""
CONFIGURATION_ERRORS: dict[type[exc.SQLAlchemyError], str] = {
    exc.ArgumentError: "the database URL is not valid",
    exc.NoSuchModuleError: "the database URL names a driver that is not installed",
}


def describe(error: exc.SQLAlchemyError) -> tuple[type[ConvosiftError], str] | None:
    """The convosift error class and message for a SQLAlchemy error, or None if unmapped."""
    for klass in type(error).__mro__:
        if klass in CONFIGURATION_ERRORS:
            return ConfigurationError, CONFIGURATION_ERRORS[klass]
        if klass in MESSAGES:
            return StoreError, MESSAGES[klass]
    return None


def translate(error: exc.SQLAlchemyError) -> ConvosiftError:
    described = describe(error)
    klass, message = described if described else (StoreError, "the database failed")
    driver = type(getattr(error, "orig", None) or error).__name__
    if klass is ConfigurationError:
        return ConfigurationError(f"{message} ({driver})", hint="check CONVOSIFT_DATABASE_URL")
    translated_error = StoreError(f"{message} ({driver})", hint=_RESUME)
    translated_error.lost_connection = isinstance(error, _CONNECTION_ERRORS)
    return translated_error


@contextmanager
def translated() -> Iterator[None]:
    """Re-raise any SQLAlchemy error inside the block as a convosift error."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        raise translate(error) from None
