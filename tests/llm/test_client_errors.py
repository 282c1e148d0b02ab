"""Every ``openai`` exception is translated at the boundary, grouped by what the caller should do."""

from __future__ import annotations

import random

import httpx2
import openai
import pytest
from openai import _exceptions as openai_exceptions

from convosift.errors import ClassifierError, RejectedCallError, RetriableCallError
from convosift.llm.client import (
    BACKOFF_CAP_SECONDS,
    MAX_RETRY_AFTER_SECONDS,
    backoff_delay,
    retry_after_seconds,
    translate_error,
)

# What the analyzer does with each: retry it, fail this conversation, or stop the batch.
EXPECTED: dict[str, tuple[str, int | None]] = {
    "OpenAIError": ("fatal", None),
    "SubjectTokenProviderError": ("fatal", None),
    "APIError": ("fatal", None),
    "APIResponseValidationError": ("retriable", 200),
    "APIStatusError": ("rejected", 418),
    "APIConnectionError": ("retriable", None),
    "APITimeoutError": ("retriable", None),
    "BadRequestError": ("rejected", 400),
    "AuthenticationError": ("fatal", 401),
    "OAuthError": ("fatal", 401),
    "PermissionDeniedError": ("fatal", 403),
    "NotFoundError": ("fatal", 404),
    "ConflictError": ("retriable", 409),
    "UnprocessableEntityError": ("rejected", 422),
    "RateLimitError": ("retriable", 429),
    "InternalServerError": ("retriable", 503),
    "LengthFinishReasonError": ("retriable", None),
    "ContentFilterFinishReasonError": ("rejected", None),
    "WebSocketConnectionClosedError": ("fatal", None),
    "WebSocketQueueFullError": ("fatal", None),
}
REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def upstream_errors() -> list[type[openai.OpenAIError]]:
    return sorted(
        (
            value
            for value in vars(openai_exceptions).values()
            if isinstance(value, type) and issubclass(value, openai.OpenAIError)
        ),
        key=lambda cls: cls.__name__,
    )


def instance_of(cls: type[openai.OpenAIError], status: int | None) -> BaseException:
    response = httpx2.Response(status or 200, request=REQUEST, headers={"retry-after": "2"})
    if issubclass(cls, openai.OAuthError):
        return cls(response=response, body=None)
    if issubclass(cls, openai.APIStatusError):
        return cls("boom", response=response, body=None)
    if issubclass(cls, openai.APIResponseValidationError):
        return cls(response=response, body=None)
    if issubclass(cls, openai.APITimeoutError):
        return cls(request=REQUEST)
    if issubclass(cls, openai.APIConnectionError):
        return cls(request=REQUEST)
    if issubclass(cls, openai.APIError):
        return cls("boom", REQUEST, body=None)
    # Errors whose constructors need SDK objects irrelevant to the mapping.
    error: BaseException = cls.__new__(cls)
    Exception.__init__(error, "boom")
    return error


def test_every_upstream_error_has_a_decided_mapping() -> None:
    names = {cls.__name__ for cls in upstream_errors()}
    assert names <= set(EXPECTED), f"decide how to handle: {sorted(names - set(EXPECTED))}"


@pytest.mark.parametrize("cls", upstream_errors(), ids=lambda cls: cls.__name__)
def test_each_upstream_error_maps_to_its_group(cls: type[openai.OpenAIError]) -> None:
    kind, status = EXPECTED[cls.__name__]
    translated = translate_error(instance_of(cls, status), timeout=5)

    assert isinstance(translated, ClassifierError)
    if kind == "retriable":
        assert isinstance(translated, RetriableCallError)
    elif kind == "rejected":
        assert isinstance(translated, RejectedCallError)
    else:
        assert not isinstance(translated, RetriableCallError | RejectedCallError)
        assert translated.message


def test_rate_limit_carries_retry_after_and_timeout_names_the_limit() -> None:
    rate_limited = translate_error(instance_of(openai.RateLimitError, 429))
    timed_out = translate_error(instance_of(openai.APITimeoutError, None), timeout=7.5)

    assert isinstance(rate_limited, RetriableCallError) and rate_limited.retry_after == 2
    assert "7.5s" in timed_out.message


@pytest.mark.parametrize(
    ("cls", "status", "congestion"),
    [
        (openai.RateLimitError, 429, True),
        (openai.InternalServerError, 503, True),
        (openai.InternalServerError, 529, True),
        (openai.APITimeoutError, None, True),
        (openai.InternalServerError, 500, False),
        (openai.APIConnectionError, None, False),
        (openai.ConflictError, 409, False),
    ],
)
def test_overload_is_marked_as_congestion(
    cls: type[openai.OpenAIError], status: int | None, congestion: bool
) -> None:
    translated = translate_error(instance_of(cls, status))

    assert isinstance(translated, RetriableCallError) and translated.congestion is congestion


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after": "Sat, 28 Nov 2026 10:00:10 GMT"}, 10.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_header_forms(headers: dict[str, str], expected: float | None) -> None:
    response = httpx2.Response(429, headers=headers)
    now = 1795860000.0  # 2026-11-28 10:00:00 UTC

    assert retry_after_seconds(response, now=now) == expected


def test_backoff_grows_is_jittered_capped_and_never_below_retry_after() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(attempt, None, rng) for attempt in range(12)]

    assert delays[0] < delays[3] < delays[6]
    assert max(delays) <= BACKOFF_CAP_SECONDS
    assert len({round(d, 6) for d in delays[8:]}) > 1  # jittered, not a fixed cap
    assert backoff_delay(0, 4.0, rng) >= 4.0
    assert backoff_delay(0, 10_000.0, rng) == MAX_RETRY_AFTER_SECONDS
