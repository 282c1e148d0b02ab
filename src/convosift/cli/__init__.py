"""``convosift`` command line. Each area registers its commands on the shared :data:`app`."""

from __future__ import annotations

# Import order is registration order, which --help follows: runs first, test data last.
# isort: off
from convosift.cli import pipeline_cmds, worker_cmds, theme_cmds, server_cmds, classify_cmds, source_cmds

# isort: on
from convosift.cli.app import app

__all__ = ["app", "main"]
_COMMAND_MODULES = (pipeline_cmds, worker_cmds, theme_cmds, server_cmds, classify_cmds, source_cmds)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        # A second Ctrl-C that lands after a command has already stopped cleanly (its handlers
        # restored) still means "abort": the same exit status as one caught inside the command.
        raise SystemExit(130) from None
