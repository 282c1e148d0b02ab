"""The package's curated public API stays complete and importable."""

from __future__ import annotations

import subprocess
import sys

import convosift
from convosift import domain, errors


def test_all_names_exist() -> None:
    for name in convosift.__all__:
        assert hasattr(convosift, name), name


def test_every_domain_record_and_the_error_base_are_exported() -> None:
    records = {
        name
        for name, value in vars(domain).items()
        if isinstance(value, type)
        and value.__module__ == domain.__name__
        and not name.startswith("_")
        and name != "Record"
    }
    assert records <= set(convosift.__all__), records - set(convosift.__all__)
    assert "ConvosiftError" in convosift.__all__


def test_every_error_derives_from_the_base_except_the_stop_signal() -> None:
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, Exception) and value.__module__ == errors.__name__:
            assert issubclass(value, errors.ConvosiftError) or value is errors.StopRequested, value


def test_cli_help_imports_no_heavy_libraries() -> None:
    code = (
        "import sys, convosift.cli\n"
        "heavy = [m for m in ('numpy', 'sklearn', 'wordllama', 'openai', 'scipy') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"convosift.cli imports {out} at start-up"
