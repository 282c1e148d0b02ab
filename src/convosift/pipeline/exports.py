"""Exports of stored rows: conversations and skipped records, as JSON lines or CSV."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import IO, Any, Literal

from convosift.domain import SKIP_REASONS
from convosift.errors import ConfigurationError
from convosift.outputs import SpreadsheetCsv

ExportFormat = Literal["jsonl", "csv"]
SKIPPED_COLUMNS = ("source", "id", "reason", "detail", "updated_at", "run_id", "recorded_at")


def export_format(fmt: str) -> ExportFormat:
    """``fmt`` as an export format, or a configuration error that names the choices."""
    if fmt == "jsonl":
        return "jsonl"
    if fmt == "csv":
        return "csv"
    raise ConfigurationError(f"unknown export format {fmt!r}; use jsonl or csv")


def skip_reason(reason: str | None) -> str | None:
    """``reason`` if it names why records are skipped (or is None), else a configuration error."""
    if reason is not None and reason not in SKIP_REASONS:
        raise ConfigurationError(f"unknown reason {reason!r}", hint=f"use one of {', '.join(SKIP_REASONS)}")
    return reason


def write_rows(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: ExportFormat, out: IO[str]
) -> int:
    """Write ``rows`` in ``fmt``; returns how many."""
    writer = SpreadsheetCsv(out, columns) if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    written = 0
    for row in rows:
        if writer is not None:
            writer.writerow(row)
        else:
            out.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
        written += 1
    return written
