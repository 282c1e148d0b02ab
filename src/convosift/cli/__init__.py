"""``convosift`` command line. Each area registers its commands on the shared :data:`app`."""

from __future__ import annotations

from convosift.cli import classify_cmds, pipeline_cmds, server_cmds, source_cmds, theme_cmds
from convosift.cli.app import app

__all__ = ["app", "main"]
_COMMAND_MODULES = (source_cmds, pipeline_cmds, classify_cmds, theme_cmds, server_cmds)


def main() -> None:
    app()
