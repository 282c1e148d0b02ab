"""Commands about where conversations come from: the synthetic inbox and the local Intercom server."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from convosift.cli.app import app, console, emit_json, err_console, handle_errors
from convosift.errors import ConfigurationError

__all__ = ["app"]

_DAYS_SPAN_HELP = "Spread conversations over the last D days (counted back from the current hour)."


@app.command("generate", rich_help_panel="Test data")
@handle_errors
def generate(
    conversations: int = typer.Option(1000, "--conversations", "-n", min=0, help="How many conversations."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same inbox."),
    out: Path = typer.Option(
        ..., "--out", help="JSONL file to write; the ground truth goes to FILE.truth.jsonl."
    ),
    days_span: int = typer.Option(365, "--days-span", min=1, help=_DAYS_SPAN_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Write a synthetic support inbox as Intercom conversation JSON, with its ground truth beside it.

    Each line of FILE.jsonl is what GET /conversations/{id} returns. FILE.truth.jsonl holds, per
    conversation, the expected category, theme, quality-filter outcome and language.
    """
    from convosift.mock.inbox import Inbox, summarize, truth_path, write_inbox

    if not out.parent.is_dir():
        raise ConfigurationError(
            f"Folder {out.parent} does not exist.", hint="create it or choose another --out"
        )
    # Counted back from the start of the hour, so that two runs with one seed write the same file.
    inbox = Inbox(conversations, seed, days_span, now=int(time.time()) // 3600 * 3600)
    write_inbox(out, inbox)
    summary = summarize(inbox) | {"path": str(out), "truth_path": str(truth_path(out))}
    if as_json:
        emit_json(summary)
        return
    kept = summary["expected_filter"].get("kept", 0)
    console.print(
        f"Wrote {summary['conversations']} conversations to {out} ({kept} expected to pass the quality "
        f"filter, {summary['long_threads']} over 500 parts); ground truth in {summary['truth_path']}.",
        highlight=False,
    )


@app.command("mock-intercom", rich_help_panel="Test data")
@handle_errors
def mock_intercom(  # noqa: PLR0917 - one parameter per command-line option
    port: int = typer.Option(8089, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    conversations: int = typer.Option(1000, "--conversations", "-n", min=0, help="Size of the inbox served."),
    seed: int = typer.Option(7, "--seed", help="Random seed of the inbox (same as `convosift generate`)."),
    days_span: int = typer.Option(365, "--days-span", min=1, help=_DAYS_SPAN_HELP),
    rate_limit: int | None = typer.Option(
        None,
        "--rate-limit",
        min=1,
        help="Requests allowed per 10-second window; over it the server answers 429.",
    ),
    latency_ms: int = typer.Option(0, "--latency-ms", min=0, help="Delay added to every response, in ms."),
    fault_rate: float = typer.Option(
        0.0, "--fault-rate", min=0.0, max=1.0, help="Share of requests answered with a random 500/502/503."
    ),
    cursor_ttl: float | None = typer.Option(
        None, "--cursor-ttl", min=0.0, help="Seconds a search cursor stays valid (default: no expiry)."
    ),
    token: str = typer.Option("test-token", "--token", help="Bearer token the server accepts."),
    mutate_per_minute: float = typer.Option(
        0.0, "--mutate-per-minute", min=0.0, help="Conversations updated per minute while clients read."
    ),
) -> None:
    """Serve a local Intercom-compatible API over a synthetic inbox until Ctrl-C.

    Point any Intercom client at the printed base URL with the printed token. Endpoints:
    POST /conversations/search, GET /conversations/{id}, GET /me, GET /admins, GET /tags.
    """
    from convosift.mock.server import bind_socket, run_server
    from convosift.mock.state import MockIntercomConfig

    config = MockIntercomConfig(
        conversations=conversations,
        seed=seed,
        days_span=days_span,
        rate_limit=rate_limit,
        latency_ms=latency_ms,
        fault_rate=fault_rate,
        cursor_ttl=cursor_ttl,
        token=token,
        mutate_per_minute=mutate_per_minute,
        port=port,
    )
    sock = bind_socket(config)
    base_url = f"http://{config.host}:{sock.getsockname()[1]}"
    console.print(f"Local Intercom API on {base_url}", highlight=False)
    console.print(f"Token: {token}", highlight=False)
    err_console.print("Serving until Ctrl-C.")
    run_server(config, sock)
