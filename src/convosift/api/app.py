"""The application factory: API routes, dashboard pages, static files, error handling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from convosift.api.body_limit import BodyLimit
from convosift.api.context import AnalyzerFactory, AppContext, SourceFactory
from convosift.api.cross_site import CrossSiteGuard
from convosift.api.errors import ScrubbedJSONResponse, install_error_handlers
from convosift.api.head import HeadAsGet
from convosift.api.routes import conversations, dashboard, health, pipeline, proposals, themes
from convosift.config import Settings, load_settings

STATIC_DIR = Path(__file__).parent / "static"
API_DESCRIPTION = """\
Every POST endpoint (run control, decisions on proposals) requires `Authorization: Bearer <token>`
when `CONVOSIFT_API_TOKEN` is set (401 otherwise). GET endpoints (status, history, conversations,
themes, proposals, the dashboard) are open to whoever can reach the server, which is why
`convosift serve` binds to 127.0.0.1 by default.
Errors are JSON objects with the keys `error`, `message` and, when there is advice, `hint`.
A request body over 1 MiB is refused with 413 before it is read, and a POST that a browser sends
from another site's page with 403.
"""


def create_app(
    settings: Settings | None = None,
    *,
    source_factory: SourceFactory | None = None,
    analyzer_factory: AnalyzerFactory | None = None,
    trusted_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """Build the app. Runs it starts use ``source_factory(settings)`` and ``analyzer_factory(settings)``
    when given (tests point them at the local Intercom-compatible server), else the pipeline's defaults.

    ``trusted_hosts`` limits the accepted ``Host`` headers (``convosift serve`` passes the loopback
    names when it binds to loopback, so a web page cannot reach the API through DNS rebinding).
    """
    context = AppContext(
        settings=settings or load_settings(),
        source_factory=source_factory,
        analyzer_factory=analyzer_factory,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # Local runs stop at their batch boundary; their state stays resumable in the database.
            await asyncio.to_thread(context.close)

    app = FastAPI(
        title="convosift",
        summary="Run control, conversations and themes of a support inbox.",
        description=API_DESCRIPTION,
        # The interactive docs pages load their scripts from a CDN; the schema stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
        default_response_class=ScrubbedJSONResponse,
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.settings = context.settings
    install_error_handlers(app)
    # The last added runs first: a body too large, or a request from another site's page, is
    # refused before anything reads it.
    if trusted_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(trusted_hosts))
    app.add_middleware(BodyLimit)
    app.add_middleware(CrossSiteGuard, allowed_origins=context.settings.api_allowed_origins)
    app.add_middleware(HeadAsGet)
    for module in (health, pipeline, conversations, themes, proposals, dashboard):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
