"""The export formats are a contract: a fixed inbox exports byte for byte as the golden files say.

Regenerate after an intended format change with ``CONVOSIFT_UPDATE_GOLDEN=1 pytest tests/cli/test_export_golden.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from convosift.cli import app
from pipeline.memory import make_inbox

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
# Read at import: the autouse fixture scrubs CONVOSIFT_* variables before each test runs.
UPDATE = os.environ.get("CONVOSIFT_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_matches_the_golden_file(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text("".join(json.dumps(c.model_dump(mode="json")) + "\n" for c in make_inbox(30)))
    monkeypatch.setenv("CONVOSIFT_SOURCE", "files")
    monkeypatch.setenv("CONVOSIFT_SOURCE_PATH", str(inbox))
    monkeypatch.setenv("CONVOSIFT_CLASSIFIER", "none")
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", database_url)
    runner = CliRunner()
    backfill = runner.invoke(app, ["backfill", "--since", "2000-01-01", "--until", "2100-01-01", "--json"])
    assert backfill.exit_code == 0, backfill.stderr
    exported = runner.invoke(app, ["export", "conversations", "--format", fmt])
    assert exported.exit_code == 0, exported.stderr
    golden = GOLDEN / f"export.{fmt}"
    if UPDATE:
        golden.write_text(exported.stdout)
    assert exported.stdout == golden.read_text()
