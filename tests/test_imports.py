"""Importing the CLI (and the local classifier package) loads no heavy library."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "sklearn", "scipy", "wordllama", "openai")


def test_cli_import_loads_no_heavy_library() -> None:
    script = (
        "import sys, convosift.cli, convosift.ml, convosift.classify.evaluate;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
