"""The Typer application and the one place that turns errors into exit codes and messages.

Commands are skins: parse options, call one library function, render with rich or ``--json``.
Heavy libraries (numpy, scikit-learn, wordllama, openai) are imported inside commands, never at
module level, so ``convosift --help`` stays fast.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from convosift.config import Settings, load_settings
from convosift.errors import ConvosiftError
from convosift.logs import configure_logging
from convosift.secrets import scrub

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="convosift",
    help="Turn a support inbox into product insight: backfill, classify, match themes, watch trends.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# Customers write ":thumbs_up:" too: their words are printed as written, never as emoji.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

_state: dict[str, Any] = {"config_file": None}


@app.callback()
def _root(
    config: Path | None = typer.Option(
        None, "--config", help="TOML settings file (else CONVOSIFT_CONFIG).", envvar=None
    ),
) -> None:
    _state["config_file"] = config


def settings(**overrides: Any) -> Settings:
    """Settings for the current command: TOML file < environment < command-line overrides."""
    loaded = load_settings(_state["config_file"], **overrides)
    configure_logging(loaded.log_level, loaded.log_format)
    return loaded


SOURCE_HELP = (
    "Named source (a \\[sources.NAME] table of the settings file); default: the only one configured."
)


def source_settings(source: str | None, **overrides: Any) -> Settings:
    """Settings acting on one source: ``--source``, else the only one configured."""
    from convosift.source_selection import select_source

    return select_source(settings(**overrides), source)


def source_filter(loaded: Settings, source: str | None) -> str | None:
    """The source name ``--source`` filters on (checked against the configured ones), or None."""
    if source is None:
        return None
    from convosift.pipeline.stages import source_name
    from convosift.source_selection import select_source

    return source_name(select_source(loaded, source))


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn :class:`ConvosiftError` into a message on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConvosiftError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True
            )
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def emit_json(data: Any) -> None:
    """Print data as JSON on stdout (the ``--json`` form of every data command)."""
    sys.stdout.write(scrub(json.dumps(data, indent=2, sort_keys=True, default=str)) + "\n")
