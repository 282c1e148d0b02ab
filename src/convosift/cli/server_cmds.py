"""``convosift serve``: the HTTP API and the dashboard."""

from __future__ import annotations

import ipaddress

import typer

from convosift.cli.app import app, err_console, handle_errors, settings

__all__ = ["app", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve", rich_help_panel="Results")
@handle_errors
def serve(
    host: str | None = typer.Option(
        None, "--host", help="Address to bind (default 127.0.0.1, CONVOSIFT_API_HOST)."
    ),
    port: int | None = typer.Option(
        None, "--port", min=1, max=65535, help="Port to listen on (default 8000, CONVOSIFT_API_PORT)."
    ),
) -> None:
    """Serve the HTTP API (/api) and the dashboard (/) until interrupted.

    POST endpoints require 'Authorization: Bearer <CONVOSIFT_API_TOKEN>' when a token is set.

    GET endpoints are open to whoever can reach the address, hence the loopback default.
    """
    loaded = settings(api_host=host, api_port=port)
    if not is_loopback(loaded.api_host) and loaded.api_token is None:
        err_console.print(
            f"[bold yellow]warning:[/] serving on {loaded.api_host} without an API token: anyone who can "
            "reach this address can start and stop runs. Set CONVOSIFT_API_TOKEN or bind to 127.0.0.1.",
            highlight=False,
        )
    import uvicorn

    from convosift.api import create_app
    from convosift.api.app import LOOPBACK_HOST_NAMES

    err_console.print(f"convosift dashboard on http://{loaded.api_host}:{loaded.api_port}/", highlight=False)
    # On IPv4 loopback only loopback Host headers are accepted, so a web page cannot reach the API
    # through DNS rebinding (Starlette's host check cannot parse IPv6 literals, so those skip it).
    guard = is_loopback(loaded.api_host) and ":" not in loaded.api_host
    trusted = (*LOOPBACK_HOST_NAMES, loaded.api_host) if guard else None
    uvicorn.run(
        create_app(loaded, trusted_hosts=trusted),
        host=loaded.api_host,
        port=loaded.api_port,
        log_level=loaded.log_level,
        server_header=False,
        access_log=loaded.log_level == "debug",
    )
