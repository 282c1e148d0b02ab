"""Commands of this area, registered on the shared app."""

from __future__ import annotations

from convosift.cli.app import app

__all__ = ["app"]
