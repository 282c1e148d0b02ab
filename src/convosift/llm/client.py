"""The OpenAI-compatible chat client, and the boundary where ``openai`` errors become ours.

Each client owns the :class:`~convosift.llm.concurrency.AdaptiveLimiter` its calls wait on.
The SDK's own retries are off (``max_retries=0``): the analyzer owns the retry loop, so backoff,
``retry-after`` and the attempt budget are in one place and testable with an injected sleep.
Every ``openai`` exception is translated by :func:`translate_error`, grouped by what the caller
should do:

- :class:`~convosift.errors.RetriableCallError` — 429, 408/409, 5xx, timeouts, connection errors,
  malformed responses; 429, 503/529 and timeouts are marked as ``congestion`` (fewer requests
  at once would help);
- :class:`~convosift.errors.RejectedCallError` — this request was refused (400/422...); other
  conversations may work;
- :class:`~convosift.errors.ClassifierError` — nothing will work until the settings change
  (bad key, forbidden, unknown model or endpoint).

The ``openai`` package is imported only when a client is built (it is slow to import).
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from convosift.config import Settings
from convosift.errors import ClassifierError, RejectedCallError, RetriableCallError
from convosift.llm.concurrency import AdaptiveLimiter, Clock
from convosift.secrets import scrub

if TYPE_CHECKING:
    import httpx
    from openai import AsyncOpenAI

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 20.0
MAX_RETRY_AFTER_SECONDS = 60.0


def backoff_delay(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Delay before retry number ``attempt + 1``: exponential with equal jitter, never below retry-after."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0**attempt)
    delay = ceiling / 2 + rng.random() * ceiling / 2
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
    return delay


OPENAI_BASE_URL = "https://api.openai.com/v1"
_NO_KEY = "unused"
"""Local servers (vLLM, Ollama, llama.cpp) accept any key, but the SDK insists on one."""
_RETRIABLE_STATUSES = frozenset({408, 409, 425})
_OVERLOADED_STATUSES = frozenset({503, 529})
"""Besides 429, the statuses an overloaded endpoint answers with (529: "overloaded", some gateways)."""


@dataclass(frozen=True)
class Completion:
    content: str | None
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None


class ChatClient:
    """One JSON-mode chat completion per call, with errors translated at the boundary.

    Calls wait for a slot of the client's :class:`AdaptiveLimiter` and tell it how they went, so
    everything sharing one client shares one limit.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.AsyncClient | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        from openai import AsyncOpenAI

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else _NO_KEY
        self.concurrency = AdaptiveLimiter(
            settings.llm_concurrency, settings.llm_max_concurrency, clock=clock
        )
        self._model = settings.llm_model
        self._timeout = settings.llm_timeout_seconds
        self._openai: AsyncOpenAI = AsyncOpenAI(
            api_key=key,
            base_url=settings.llm_base_url or OPENAI_BASE_URL,
            max_retries=0,
            timeout=settings.llm_timeout_seconds,
            # The SDK accepts an httpx (or httpx2) client; its stubs name only httpx2.
            http_client=cast(Any, http_client),
        )

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        import openai

        async with self.concurrency.permit() as permit:
            try:
                # The SDK's overloads want TypedDict messages; plain dicts are what it sends anyway.
                create: Any = self._openai.chat.completions.create
                response: Any = await create(
                    model=self._model,
                    messages=messages,
                    response_format={"type": "json_object"},
                    temperature=0,
                    timeout=self._timeout,
                )
            except openai.OpenAIError as exc:
                error = translate_error(exc, timeout=self._timeout)
                # Other failures (a 500, a refused request) say nothing about load.
                if isinstance(error, RetriableCallError) and error.congestion:
                    self.concurrency.congestion(permit)
                raise error from None
            self.concurrency.success(permit)
        return _completion(response)

    async def aclose(self) -> None:
        await self._openai.close()


def _completion(response: Any) -> Completion:
    """Read the parts we use; anything else (an HTML page from a proxy, no choices) is retriable."""
    choices = getattr(response, "choices", None)
    first = choices[0] if isinstance(choices, list) and choices else None
    message = getattr(first, "message", None)
    if message is None:
        raise RetriableCallError("the LLM endpoint did not send a chat completion")
    content = getattr(message, "content", None)
    usage = getattr(response, "usage", None)
    return Completion(
        content=content if isinstance(content, str) else None,
        prompt_tokens=_count(getattr(usage, "prompt_tokens", 0)),
        completion_tokens=_count(getattr(usage, "completion_tokens", 0)),
        finish_reason=getattr(first, "finish_reason", None),
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def translate_error(exc: BaseException, *, timeout: float | None = None) -> ClassifierError:
    """Map an ``openai`` exception to convosift's tree (most specific first; never returns None)."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        after = f" after {timeout:g}s" if timeout else ""
        return RetriableCallError(f"the LLM request timed out{after}", congestion=True)
    if isinstance(exc, openai.APIConnectionError):
        return RetriableCallError("could not connect to the LLM endpoint")
    if isinstance(exc, openai.APIResponseValidationError):
        return RetriableCallError("the LLM endpoint sent a malformed response", status=exc.status_code)
    if isinstance(exc, openai.APIStatusError):
        return _translate_status(exc)
    if isinstance(exc, openai.LengthFinishReasonError):
        return RetriableCallError("the LLM answer was cut off by its length limit")
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return RejectedCallError("the LLM endpoint's content filter refused the conversation")
    return ClassifierError(f"the LLM client failed: {scrub(type(exc).__name__)}")


def _translate_status(exc: Any) -> ClassifierError:
    import openai

    status: int = exc.status_code
    if isinstance(exc, openai.RateLimitError):
        wait = retry_after_seconds(exc.response)
        return RetriableCallError(
            "the LLM endpoint is rate limiting (429)", retry_after=wait, status=status, congestion=True
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return ClassifierError(
            f"the LLM endpoint refused the API key ({status})",
            hint="check llm_api_key (CONVOSIFT_LLM_API_KEY) and its permissions",
        )
    if isinstance(exc, openai.NotFoundError):
        return ClassifierError(
            "the LLM endpoint or model was not found (404)",
            hint="check llm_base_url (it usually ends in /v1) and llm_model",
        )
    if status >= 500 or status in _RETRIABLE_STATUSES:
        wait = retry_after_seconds(exc.response)
        return RetriableCallError(
            f"the LLM endpoint failed ({status})",
            retry_after=wait,
            status=status,
            congestion=status in _OVERLOADED_STATUSES,
        )
    return RejectedCallError(f"the LLM endpoint rejected the request ({status})", status=status)


def retry_after_seconds(response: Any, *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date), if any."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))
