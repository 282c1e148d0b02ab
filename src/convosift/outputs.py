"""Files convosift writes on request (exports, reports, evaluation splits): one way to open them.

A path the user typed may name a missing folder, a folder, nothing at all (``--out ''`` arrives
as ``.``) or a place they cannot write; each becomes a :class:`ConfigurationError` that says
which path and why, never an ``OSError`` traceback.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO

from convosift.errors import ConfigurationError

_HINT = "give a file path in a folder you can write to"


def is_stdout(path: Path | None) -> bool:
    """Whether ``--out`` asks for standard output: not given, or ``-`` as in most command-line tools."""
    return path is None or str(path) == "-"


@contextmanager
def open_output(path: Path) -> Iterator[TextIO]:
    """Open ``path`` for writing text (UTF-8, newlines untranslated), creating its folders.

    An ``OSError`` while the file is open (a full disk) is reported the same way as one opening it.
    """
    if path.is_dir():
        raise ConfigurationError(f"cannot write to {path}: it is a folder, not a file", hint=_HINT)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # "File exists" alone would puzzle: say it is the folder that cannot be made.
        raise ConfigurationError(
            f"cannot write to {path}: its folder {path.parent} cannot be created ({exc.strerror or exc})",
            hint=_HINT,
        ) from None
    try:
        with path.open("w", encoding="utf-8", newline="") as handle:
            yield handle
    except OSError as exc:
        raise ConfigurationError(f"cannot write to {path}: {exc.strerror or exc}", hint=_HINT) from None


def write_output(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through :func:`open_output`; return the path."""
    with open_output(path) as handle:
        handle.write(text)
    return path


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` for a CSV file that spreadsheets open: a text cell that starts like a formula
    (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, so a
    conversation's text (which anyone can write) is shown, never run. Numbers stay numbers."""
    return {
        key: "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value
        for key, value in row.items()
    }


class SpreadsheetCsv:
    """``csv.DictWriter`` for files spreadsheets open: cells that start like formulas are shown
    (:func:`spreadsheet_safe`), and a row with a semicolon in a text has every cell quoted, since
    a spreadsheet set to split on semicolons (most European ones) would otherwise start a new cell
    there, and that cell could be a formula. Other rows are written as plain CSV."""

    def __init__(self, out: IO[str], columns: Sequence[str]) -> None:
        self._plain = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        self._quoted = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def writeheader(self) -> None:
        self._plain.writeheader()

    def writerow(self, row: dict[str, Any]) -> None:
        safe = spreadsheet_safe(row)
        if any(isinstance(value, str) and ";" in value for value in safe.values()):
            self._quoted.writerow(safe)
        else:
            self._plain.writerow(safe)
