"""The exception tree lives in one module, and each group gives the caller the right exit code and status."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import convosift
from convosift import errors


def _subclasses(klass: type[Exception]) -> set[type[Exception]]:
    found: set[type[Exception]] = set()
    for sub in klass.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_convosift_error_is_defined_in_the_errors_module() -> None:
    for module in pkgutil.walk_packages(convosift.__path__, prefix="convosift."):
        if module.name != "convosift.__main__":  # importing it runs the CLI
            importlib.import_module(module.name)
    elsewhere = sorted(
        f"{klass.__module__}.{klass.__qualname__}"
        for klass in _subclasses(errors.ConvosiftError)
        if klass.__module__ == "convosift" or klass.__module__.startswith("convosift.")
        if klass.__module__ != errors.__name__
    )
    assert elsewhere == [], "define these in convosift/errors.py"


@pytest.mark.parametrize(
    ("error", "group"),
    [
        (errors.RunNotFoundError("no run r1"), errors.NotFoundError),
        (errors.RunConflictError("another run is active"), errors.ConflictError),
        (errors.RunTakenOverError("r1"), errors.ConflictError),
        (errors.UnauthorizedError("no token"), errors.ConvosiftError),
        (errors.UnknownValueError("unknown theme 'x'"), errors.ConfigurationError),
        (errors.MalformedResponseError("truncated JSON"), errors.SourceRetriableError),
        (errors.RetriableCallError("503"), errors.ClassifierRetriableError),
        (errors.InvalidAnswerError("not JSON"), errors.ClassifierRetriableError),
        (errors.RejectedCallError("400"), errors.ClassifierError),
    ],
)
def test_errors_sit_in_the_group_of_what_the_caller_should_do(
    error: errors.ConvosiftError, group: type[errors.ConvosiftError]
) -> None:
    assert isinstance(error, group)
    if group is not errors.ConvosiftError:
        assert (error.exit_code, error.http_status) == (group.exit_code, group.http_status)


def test_runs_owned_by_another_process_are_not_database_failures() -> None:
    for klass in (errors.RunNotFoundError, errors.RunConflictError, errors.RunTakenOverError):
        assert not issubclass(klass, errors.StoreError), klass
    taken_over = errors.RunTakenOverError("r1")
    assert (taken_over.exit_code, taken_over.http_status, taken_over.code) == (5, 409, "run_taken_over")
