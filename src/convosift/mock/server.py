"""The local Intercom-compatible HTTP server (Starlette), and a way to run it in a background thread.

Serves what Intercom clients call: ``POST /conversations/search``, ``GET /conversations/{id}``,
``GET /me``, ``GET /admins`` and ``GET /tags``, with Bearer authentication, the
``X-RateLimit-*`` headers on every response, 429 over the limit, and injected latency, 5xx,
stalls, truncated bodies and expired cursors. Errors use Intercom's ``error.list`` body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from convosift.errors import ConfigurationError
from convosift.mock import phrasebook as pb
from convosift.mock.search_query import QueryError, parse_search_body
from convosift.mock.state import CursorError, MockIntercomConfig, MockIntercomState, NotFound

Handler = Callable[[Request, MockIntercomState], Awaitable[Response]]

INVALID_CURSOR_MESSAGE = (
    "Invalid starting_after param. Please try again using a starting_after value from a paginated response"
)
_FAULT_STATUSES = (500, 502, 503)
_BACKLOG = 2048


def error_response(status: int, code: str, message: str) -> Response:
    """Intercom's error body: ``{"type": "error.list", "request_id": ..., "errors": [...]}``."""
    body = {
        "type": "error.list",
        "request_id": str(uuid.uuid4()),
        "errors": [{"code": code, "message": message}],
    }
    return _json(body, status)


def _json(body: Any, status: int = 200) -> Response:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=status, media_type="application/json")


def create_app(state: MockIntercomState) -> Starlette:
    """The ASGI app over ``state``; background updates run while the app is up."""

    def route(path: str, handler: Handler, method: str, counter: str) -> Route:
        async def endpoint(request: Request) -> Response:
            return await _serve(request, state, handler, counter)

        return Route(path, endpoint, methods=[method])

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_mutate_forever(state)) if state.config.mutate_per_minute > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()

    return Starlette(
        routes=[
            route("/conversations/search", _search, "POST", "search"),
            route("/conversations/{conversation_id}", _retrieve, "GET", "retrieve"),
            route("/me", _me, "GET", "me"),
            route("/admins", _admins, "GET", "admins"),
            route("/tags", _tags, "GET", "tags"),
        ],
        lifespan=lifespan,
    )


async def _serve(request: Request, state: MockIntercomState, handler: Handler, counter: str) -> Response:
    stats = state.stats
    stats["requests"] += 1
    if state.config.latency_ms:
        await asyncio.sleep(state.config.latency_ms / 1000)
    decision = state.admit()
    response = await _answer(request, state, handler, counter, allowed=decision.allowed)
    response.headers["X-RateLimit-Limit"] = str(decision.limit)
    response.headers["X-RateLimit-Remaining"] = str(decision.remaining)
    if decision.allowed or not state.faults.omit_reset_on_429:
        response.headers["X-RateLimit-Reset"] = str(decision.reset)
    stats[f"status_{response.status_code}"] += 1
    return response


async def _answer(
    request: Request, state: MockIntercomState, handler: Handler, counter: str, *, allowed: bool
) -> Response:
    stats = state.stats
    if not allowed:
        stats["rate_limited"] += 1
        return error_response(429, "rate_limit_exceeded", "You have exceeded the rate limit.")
    token = state.config.token
    if token is not None and request.headers.get("authorization") != f"Bearer {token}":
        return error_response(401, "unauthorized", "Access Token Invalid")
    fault = state.draw_fault()
    if fault in ("burst", "error"):
        stats["faults"] += 1
        status = 503 if fault == "burst" else state.random_choice(_FAULT_STATUSES)
        return error_response(status, "server_error", "Something went wrong on our end. Please retry.")
    if fault == "hang":
        stats["faults"] += 1
        await asyncio.sleep(state.faults.hang_seconds)
    stats[counter] += 1
    response = await handler(request, state)
    if fault == "truncate" and response.status_code == 200:
        stats["faults"] += 1
        body = bytes(response.body)
        return Response(body[: len(body) // 2], status_code=200, media_type="application/json")
    return response


async def _search(request: Request, state: MockIntercomState) -> Response:
    try:
        body = await request.json()
    except ValueError:
        return error_response(400, "parameter_invalid", "The request body is not valid JSON.")
    try:
        search = parse_search_body(body)
        return _json(state.search(search))
    except QueryError as exc:
        return error_response(400, "parameter_invalid", str(exc))
    except CursorError as exc:
        state.stats["expired_cursors" if exc.expired else "invalid_cursors"] += 1
        return error_response(400, "client_error", INVALID_CURSOR_MESSAGE)


async def _retrieve(request: Request, state: MockIntercomState) -> Response:
    conversation_id = request.path_params["conversation_id"]
    plaintext = request.query_params.get("display_as") == "plaintext"
    try:
        return _json(state.retrieve(conversation_id, plaintext=plaintext))
    except NotFound:
        return error_response(404, "not_found", "Resource Not Found")


def _admin(admin_id: str, name: str) -> dict[str, Any]:
    return {
        "type": "admin",
        "id": admin_id,
        "name": name,
        "email": f"{name.split(maxsplit=1)[0].lower()}@harbortide.example",
        "job_title": "Support",
        "away_mode_enabled": False,
        "away_mode_reassign": False,
        "has_inbox_seat": True,
        "team_ids": [pb.TEAMS[0]],
        "avatar": None,
    }


async def _me(_: Request, state: MockIntercomState) -> Response:
    admin_id, name = pb.ADMINS[0]
    me = _admin(admin_id, name) | {
        "avatar": {"type": "avatar", "image_url": f"https://harbortide.example/avatars/{admin_id}.png"},
        "email_verified": True,
        "app": {
            "type": "app",
            "id_code": "hbt0mock",
            "name": "Harbortide (local)",
            "region": "US",
            "timezone": "Europe/London",
            "created_at": state.inbox.plans[0].created_at if state.inbox.plans else 0,
            "identity_verification": False,
        },
    }
    return _json(me)


async def _admins(_: Request, __: MockIntercomState) -> Response:
    return _json({"type": "admin.list", "admins": [_admin(i, n) for i, n in pb.ADMINS]})


async def _tags(_: Request, __: MockIntercomState) -> Response:
    return _json({"type": "list", "data": [{"type": "tag", "id": i, "name": n} for i, n in pb.TAG_NAMES]})


async def _mutate_forever(state: MockIntercomState) -> None:
    interval = 60.0 / state.config.mutate_per_minute
    while True:
        await asyncio.sleep(interval)
        state.mutate(count=1)


# --- running it ----------------------------------------------------------------------------------


@dataclass
class MockIntercomHandle:
    """A running server: where it listens, its token, its counters and its state."""

    base_url: str
    token: str | None
    state: MockIntercomState

    @property
    def stats(self) -> Counter[str]:
        """Counters: requests, search, retrieve, rate_limited, faults, expired_cursors, status_NNN..."""
        return self.state.stats

    @property
    def config(self) -> MockIntercomConfig:
        return self.state.config


def bind_socket(config: MockIntercomConfig) -> socket.socket:
    """A listening socket on ``config.host``: ``config.port``, or a free port when it is 0."""
    # IPPROTO_TCP explicitly: asyncio only turns Nagle's algorithm off for sockets that say they
    # are TCP, and with it on every small response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(
            f"port {config.port} on {config.host} cannot be listened on ({exc.strerror or exc})",
            hint="use another --port (0 picks a free one), or stop the program listening on it",
        ) from None
    # Listening at once: a client told the address (another process) may connect before the
    # server has started; the connection then waits in the backlog instead of being refused.
    sock.listen(_BACKLOG)
    return sock


def _uvicorn_server(state: MockIntercomState) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            create_app(state),
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )


@contextlib.contextmanager
def serve_in_thread(config: MockIntercomConfig | None = None) -> Iterator[MockIntercomHandle]:
    """Run the server on ``config.host`` (a free port unless ``config.port``) until the block ends."""
    config = config or MockIntercomConfig()
    state = MockIntercomState(config)
    sock = bind_socket(config)
    port = sock.getsockname()[1]
    server = _uvicorn_server(state)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="mock-intercom", daemon=True
    )
    thread.start()
    try:
        for _ in range(1000):
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not server.started:
            raise RuntimeError("the local Intercom server did not start")
        yield MockIntercomHandle(base_url=f"http://{config.host}:{port}", token=config.token, state=state)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def run_server(config: MockIntercomConfig, sock: socket.socket) -> None:
    """Serve on ``sock`` in the foreground until interrupted (the ``mock-intercom`` command)."""
    _uvicorn_server(MockIntercomState(config)).run(sockets=[sock])
