"""The one place that turns errors into HTTP responses.

Every error body has the same keys as :meth:`ConvosiftError.to_dict`: ``error`` (a stable code),
``message`` (what went wrong, for a person) and optionally ``hint`` (what to do). Request
validation failures become 422 with one readable sentence per problem; anything unexpected
becomes a bare 500 whose details go to the server log only. No traceback and no secret ever
reaches a response body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from convosift.errors import ConvosiftError
from convosift.logs import get_logger
from convosift.secrets import scrub

log = get_logger(__name__)


class ScrubbedJSONResponse(JSONResponse):
    """JSON response whose strings pass through :func:`scrub` before they are serialised.

    Scrubbing values (not the serialised text) keeps the JSON valid whatever the masks match.
    """

    def render(self, content: Any) -> bytes:
        return super().render(scrub_values(content))


def scrub_values(value: Any) -> Any:
    """``value`` with every string inside it scrubbed, containers rebuilt."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: scrub_values(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [scrub_values(item) for item in value]
    return value


def error_body(code: str, message: str, hint: str | None = None) -> dict[str, str]:
    body = {"error": code, "message": scrub(message)}
    if hint:
        body["hint"] = scrub(hint)
    return body


def describe_validation_errors(errors: Sequence[Any]) -> str:
    """One sentence per problem, naming the field: ``batch_size: must be between 10 and 500``."""
    problems = []
    for error in errors:
        if error.get("type") == "json_invalid":
            # Its location is ("body", character offset): "1: JSON decode error" says nothing.
            reason = str((error.get("ctx") or {}).get("error") or "not JSON")
            offset = next((part for part in error.get("loc", ()) if isinstance(part, int)), None)
            where = f" at character {offset}" if offset is not None else ""
            problems.append(f"the request body is not valid JSON ({reason}{where})")
            continue
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        problems.append(f"{'.'.join(location)}: {message}" if location else message)
    return "; ".join(problems) or "invalid request"


MAX_MESSAGE_CHARS = 500
"""An error's message is cut here: it may quote what the request sent (a 100 KB id came back whole)."""


def _cut(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


async def _convosift_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConvosiftError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    body = {key: _cut(value) if isinstance(value, str) else value for key, value in exc.to_dict().items()}
    return ScrubbedJSONResponse(body, status_code=exc.http_status, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    message = _cut(describe_validation_errors(exc.errors()))
    body = error_body("validation_error", message, "the request schema is at GET /openapi.json")
    return ScrubbedJSONResponse(body, status_code=422)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
    return ScrubbedJSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error", path=request.url.path, error_type=type(exc).__name__, error=str(exc))
    body = error_body("internal_error", "unexpected server error", "the server log has the details")
    return ScrubbedJSONResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ConvosiftError, _convosift_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
