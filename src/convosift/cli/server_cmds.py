"""``convosift serve``: the HTTP API and the dashboard."""

from __future__ import annotations

import contextlib

import typer

from convosift.cli.app import app, err_console, handle_errors, settings

__all__ = ["app"]


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

    POST endpoints require 'Authorization: Bearer <CONVOSIFT_API_TOKEN>' when a token is set;
    without one they are open to whoever can reach the address (serve says so when it starts).

    GET endpoints are open to whoever can reach the address, hence the loopback default.
    """
    loaded = settings(api_host=host, api_port=port)
    import uvicorn

    from convosift.api import create_app
    from convosift.api.serving import bind_policy, listen

    policy = bind_policy(loaded)
    sockets = listen(loaded.api_host, loaded.api_port)
    if policy.warning is not None:
        err_console.print(f"[bold yellow]warning:[/] {policy.warning}", highlight=False)
    if policy.note is not None:
        err_console.print(f"note: {policy.note}", highlight=False, soft_wrap=True)
    err_console.print(f"convosift dashboard on http://{loaded.api_host}:{loaded.api_port}/", highlight=False)
    try:
        config = uvicorn.Config(
            create_app(loaded, trusted_hosts=policy.trusted_hosts),
            log_level=loaded.log_level,
            server_header=False,
            access_log=loaded.log_level == "debug",
        )
        server = uvicorn.Server(config)
        # Ctrl-C is how a server is stopped: it shuts down cleanly, as uvicorn.run lets it.
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=sockets)
    finally:
        for sock in sockets:
            sock.close()
    if not server.started:
        raise typer.Exit(3)  # uvicorn logged why (the app's startup failed)
