"""Where the third-party reference data lives: beside the repository, never inside it."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BANKING77 = SHARED / "data" / "banking77" / "train.csv"
INTERCOM_OPENAPI = SHARED / "intercom-openapi" / "api.intercom.io.2.14.yaml"
INSURANCE = SHARED / "data" / "dstc11-insurance-dev" / "utterances.jsonl"
