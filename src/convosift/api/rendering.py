"""The dashboard's Jinja2 environment: autoescaping on for every template, a few display filters.

Conversation text is customer input: templates print it with ``{{ }}`` only (escaped), never
with ``|safe``. Pages also send a Content-Security-Policy that allows only this app's own
scripts and styles, so even a missed escape could not run injected script.

Ids are customer input too: a conversation id may hold ``/``, ``?``, ``#``, ``%``, spaces or any
other character, so ``url_for`` encodes every path parameter as one path segment.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.datastructures import URL

from convosift.secrets import scrub
from convosift.themes.charts import sparkline

TEMPLATES_DIR = Path(__file__).parent / "templates"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


Moment = float | str | datetime | None


def _as_datetime(moment: Moment) -> datetime | None:
    """UNIX seconds (stored conversations) or ISO text (run records) as an aware datetime."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, datetime):
        parsed = moment
    elif isinstance(moment, str):
        parsed = datetime.fromisoformat(moment)
    else:
        return datetime.fromtimestamp(float(moment), UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def shorttime(timestamp: Moment) -> str:
    moment = _as_datetime(timestamp)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def isotime(timestamp: Moment) -> str:
    moment = _as_datetime(timestamp)
    return moment.isoformat() if moment else ""


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def _scrub_printed(value: Any) -> Any:
    # Markup is template output (a macro call) whose own values were already scrubbed when printed.
    if isinstance(value, str) and not isinstance(value, Markup):
        return scrub(value)
    return value


def path_segment(value: object) -> str:
    """``value`` percent-encoded as one URL path segment (``a/b?c`` → ``a%2Fb%3Fc``)."""
    return quote(str(value), safe="")


@jinja2.pass_context
def url_for(context: jinja2.runtime.Context, name: str, /, **path_params: Any) -> URL:
    """Starlette's ``url_for`` with every path parameter encoded as one segment.

    Starlette inserts parameters as they are: it refuses a ``/`` and lets ``?``, ``#`` or ``%``
    break the link. The server decodes the segment back before routing, so the handler sees the id.
    """
    request: Request = context["request"]
    return request.url_for(name, **{key: path_segment(value) for key, value in path_params.items()})


def build_templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        # Every printed value passes through scrub: a customer who pasted a token into a message
        # must not make the dashboard show a registered secret.
        finalize=_scrub_printed,
    )
    environment.filters.update(shorttime=shorttime, isotime=isotime, human_duration=human_duration)
    # Set before Jinja2Templates adds its own url_for (it only fills in a missing one).
    environment.globals["url_for"] = url_for
    # Inline SVG drawn in Python (every data label escaped there): no script, no CDN.
    environment.globals["sparkline"] = sparkline
    return Jinja2Templates(env=environment)


_templates = build_templates()


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    response = _templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
