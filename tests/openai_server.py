"""A small OpenAI-compatible server on loopback for the tests (not shipped in the wheel).

It serves ``POST /v1/chat/completions`` and ``GET /v1/models``. By default it answers every
request deterministically from the prompt: the category is chosen by keywords in the user
message among those the system prompt lists, a listed theme is chosen when most words of its
signature appear in the text, and the evidence is the customer's first sentence. A script
(:meth:`OpenAIServer.set_script`) replaces the next replies one by one with failures: invalid
JSON, an unknown category, 429 with ``retry-after``, a 5xx or a slow reply.

Like a hosted API it can also limit its callers: ``max_concurrent`` requests at once and/or
``rate_limit`` requests per ``rate_window`` seconds. A request over a limit is answered at once
with 429 and ``retry-after-ms`` / ``retry-after`` (when a slot or the next window is expected),
without consuming the script.

It records every request body, the number of calls, the highest number of requests in flight at
once (those it accepted) and how many it refused for a limit, so tests can prove what reached the
server and how many calls were made.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

Behaviour = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a chat completion request body into the JSON object the assistant answers."""

StepKind = Literal[
    "answer",
    "content",
    "invalid_json",
    "unknown_category",
    "rate_limit",
    "error",
    "slow",
    "html",
    "no_choices",
]

MODEL_ID = "convosift-mock"

# Checked in order: the first category whose keywords occur (and that the prompt lists) wins.
CATEGORY_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("spam", ("seo service", "backlink", "casino", "crypto giveaway", "guest post", "rank your website")),
    ("billing_question", ("invoice", "charged", "charge", "refund", "billing", "receipt", "subscription")),
    ("account_issue", ("password", "log in", "login", "locked out", "sign in", "two-factor", "2fa")),
    ("feature_request", ("would be great", "feature request", "please add", "could you add", "would love")),
    ("configuration_help", ("configure", "settings", "set up", "setup", "webhook", "sso", "permission")),
    ("how_to_question", ("how do i", "how to", "how can i", "where do i", "is there a way")),
    ("product_issue", ("error", "broken", "crash", "bug", "not working", "fails", "failed", "times out")),
)
FALLBACK_CATEGORY = "general_inquiry"
_LISTED = re.compile(r"^- ([a-z][a-z0-9_]*):", re.MULTILINE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Step:
    """One scripted reply, used for the next call instead of the behaviour's answer."""

    kind: StepKind
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    content: str | None = None
    """The raw assistant message of a ``content`` step."""

    @classmethod
    def answer(cls) -> Step:
        return cls("answer")

    @classmethod
    def raw(cls, content: str) -> Step:
        return cls("content", content=content)

    @classmethod
    def invalid_json(cls) -> Step:
        return cls("invalid_json")

    @classmethod
    def unknown_category(cls) -> Step:
        return cls("unknown_category")

    @classmethod
    def rate_limit(cls, retry_after: float = 1.0) -> Step:
        return cls("rate_limit", status=429, retry_after=retry_after)

    @classmethod
    def error(cls, status: int = 500) -> Step:
        return cls("error", status=status)

    @classmethod
    def slow(cls, delay: float) -> Step:
        return cls("slow", delay=delay)

    @classmethod
    def html(cls) -> Step:
        """A 200 with an HTML page instead of JSON, as a misconfigured proxy sends."""
        return cls("html")

    @classmethod
    def no_choices(cls) -> Step:
        """A 200 completion object without choices."""
        return cls("no_choices")


@dataclass
class _State:
    behaviour: Behaviour
    latency: float
    max_concurrent: int | None = None
    rate_limit: int | None = None
    rate_window: float = 1.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    script: deque[Step] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    rate_limited: int = 0
    window_started: float = field(default_factory=time.monotonic)
    window_requests: int = 0

    def over_limit(self, now: float) -> float | None:
        """Seconds until a request would be accepted, or None to accept it (call with the lock held)."""
        if self.rate_limit is not None:
            if now - self.window_started >= self.rate_window:
                self.window_started, self.window_requests = now, 0
            if self.window_requests >= self.rate_limit:
                return self.window_started + self.rate_window - now
        if self.max_concurrent is not None and self.in_flight >= self.max_concurrent:
            return max(self.latency, 0.05)  # about when a request in flight ends
        self.window_requests += 1
        return None


def keyword_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The default behaviour: a deterministic, plausible answer built from the prompt alone."""
    system, user = _prompt_parts(body)
    categories = _listed(system, "Categories:")
    themes = _listed(system, "Themes:")
    text = user.lower()
    fallback = FALLBACK_CATEGORY if FALLBACK_CATEGORY in categories or not categories else categories[0]
    category, confidence = fallback, 0.5
    for name, keywords in CATEGORY_KEYWORDS:
        if name in categories and any(keyword in text for keyword in keywords):
            category, confidence = name, 0.9
            break
    theme, theme_score = _best_theme(themes, text)
    return {
        "category": category,
        "confidence": confidence,
        "theme": theme,
        "theme_confidence": theme_score,
        "evidence": _first_sentence(user),
    }


def _prompt_parts(body: dict[str, Any]) -> tuple[str, str]:
    system, user = "", ""
    for message in body.get("messages", []):
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            continue
        if message.get("role") == "system":
            system += content + "\n"
        elif message.get("role") == "user":
            user += content + "\n"
    return system, user


def _listed(system: str, heading: str) -> list[str]:
    """Names listed as ``- name: ...`` lines under ``heading`` (up to the next blank line)."""
    _, found, rest = system.partition(heading + "\n")
    if not found:
        return []
    section = rest.split("\n\n", 1)[0]
    return _LISTED.findall(section)


def _best_theme(signatures: Iterable[str], text: str) -> tuple[str | None, float]:
    words = set(_WORD.findall(text))
    best, best_share = None, 0.0
    for signature in signatures:
        parts = [part for part in signature.split("_") if len(part) > 2]
        if not parts:
            continue
        share = sum(part in words for part in parts) / len(parts)
        if share > best_share:
            best, best_share = signature, share
    return (best, round(best_share, 3)) if best and best_share >= 0.5 else (None, 0.0)


def _first_sentence(user: str) -> str:
    customer = user.split("Customer messages:\n", 1)[-1]
    for match in _SENTENCE.finditer(customer):
        sentence = match.group(0).strip()
        if sentence:
            return sentence
    return ""


def _completion(body: dict[str, Any], content: str, number: int) -> dict[str, Any]:
    messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
    prompt_chars = sum(len(str(message.get("content", ""))) for message in messages)
    prompt_tokens, completion_tokens = max(1, prompt_chars // 4), max(1, len(content) // 4)
    return {
        "id": f"chatcmpl-mock-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", MODEL_ID),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(state: _State) -> FastAPI:
    app = FastAPI(title="convosift mock OpenAI-compatible server", openapi_url=None, docs_url=None)

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        model = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "convosift"}
        return {"object": "list", "data": [model]}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        body = await request.json()
        with state.lock:
            state.requests.append(body)
            number = len(state.requests)
            wait = state.over_limit(time.monotonic())
            if wait is not None:
                state.rate_limited += 1
            else:
                step = state.script.popleft() if state.script else Step.answer()
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
        if wait is not None:
            return _rate_limited(wait)
        try:
            if state.latency:
                await asyncio.sleep(state.latency)
            return await _reply(state, step, body, number)
        finally:
            with state.lock:
                state.in_flight -= 1

    return app


def _rate_limited(wait: float) -> JSONResponse:
    headers = {"retry-after-ms": str(max(1, round(wait * 1000))), "retry-after": str(max(1, math.ceil(wait)))}
    return _error(429, "Rate limit reached, slow down", "rate_limit_exceeded", headers)


async def _reply(state: _State, step: Step, body: dict[str, Any], number: int) -> Response:
    if step.kind == "rate_limit":
        headers = {"retry-after": f"{step.retry_after:g}"} if step.retry_after is not None else None
        return _error(429, "Rate limit reached, slow down", "rate_limit_exceeded", headers)
    if step.kind == "error":
        return _error(step.status, "The server had an error while processing the request", "server_error")
    if step.kind == "html":
        return HTMLResponse("<html><body>Gateway login</body></html>")
    if step.kind == "no_choices":
        return JSONResponse({**_completion(body, "", number), "choices": []})
    if step.kind == "slow":
        await asyncio.sleep(step.delay)
    if step.kind == "content":
        content = step.content or ""
    elif step.kind == "invalid_json":
        content = '{"category": "product_issue", "confidence": 0.9, "theme": '
    else:
        answer = state.behaviour(body)
        if step.kind == "unknown_category":
            answer = {**answer, "category": "definitely_not_a_category"}
        content = json.dumps(answer)
    return JSONResponse(_completion(body, content, number))


class OpenAIServer:
    """A running server: where it listens and what it has seen."""

    def __init__(self, state: _State, base_url: str, stop: Callable[[], None]) -> None:
        self._state = state
        self.base_url = base_url
        """Ends in ``/v1``, as OpenAI-compatible clients expect."""
        self._stop = stop

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every chat completion request body received, in order."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def calls(self) -> int:
        with self._state.lock:
            return len(self._state.requests)

    @property
    def max_in_flight(self) -> int:
        """The most requests in flight at once, among those accepted."""
        with self._state.lock:
            return self._state.max_in_flight

    @property
    def rate_limited(self) -> int:
        """Requests refused with 429 for ``max_concurrent`` or ``rate_limit`` (scripted 429s not included)."""
        with self._state.lock:
            return self._state.rate_limited

    def set_script(self, steps: Iterable[Step]) -> None:
        """Use ``steps`` for the next calls, one per call; the behaviour answers once they run out."""
        with self._state.lock:
            self._state.script = deque(steps)

    def reset(self) -> None:
        """Forget recorded requests, the script, the in-flight high-water mark and refusals."""
        with self._state.lock:
            self._state.requests.clear()
            self._state.script.clear()
            self._state.max_in_flight = 0
            self._state.rate_limited = 0

    def close(self) -> None:
        self._stop()


def serve_openai_in_thread(
    behaviour: Behaviour = keyword_answer,
    *,
    latency: float = 0.0,
    max_concurrent: int | None = None,
    rate_limit: int | None = None,
    rate_window: float = 1.0,
) -> OpenAIServer:
    """Start the server on 127.0.0.1 (a free port) in a daemon thread; call ``close()`` when done.

    ``latency`` delays every accepted reply, so concurrent requests overlap (used to observe
    concurrency). ``max_concurrent`` and ``rate_limit`` per ``rate_window`` seconds refuse the
    requests over them with 429, as hosted APIs do.
    """
    import uvicorn

    state = _State(
        behaviour=behaviour,
        latency=latency,
        max_concurrent=max_concurrent,
        rate_limit=rate_limit,
        rate_window=rate_window,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(state), log_level="warning", lifespan="off", access_log=False, timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="openai-mock")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the mock OpenAI-compatible server did not start")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()

    return OpenAIServer(state, f"http://127.0.0.1:{port}/v1", stop)


@contextmanager
def openai_server(
    behaviour: Behaviour = keyword_answer,
    *,
    latency: float = 0.0,
    max_concurrent: int | None = None,
    rate_limit: int | None = None,
    rate_window: float = 1.0,
) -> Iterator[OpenAIServer]:
    """``serve_openai_in_thread`` as a context manager that always stops the server."""
    server = serve_openai_in_thread(
        behaviour,
        latency=latency,
        max_concurrent=max_concurrent,
        rate_limit=rate_limit,
        rate_window=rate_window,
    )
    try:
        yield server
    finally:
        server.close()
