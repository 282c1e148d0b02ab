"""Invalid configuration through the real CLI: a message naming the setting, a non-zero exit
code, and nothing written (no database file appears in the working directory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BROKEN_YAML = "categories: [unclosed\n"


def _convosift(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith(("CONVOSIFT_", "INTERCOM_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, "-m", "convosift", *args],
        check=False,
        cwd=tmp_path,
        env={
            **base,
            "INTERCOM_ACCESS_TOKEN": "tok-config-test",
            "INTERCOM_BASE_URL": "http://127.0.0.1:9",
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def _nothing_written(tmp_path: Path) -> None:
    assert not list(tmp_path.glob("*.db*")), list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("env", "args", "names"),
    [
        ({"CONVOSIFT_BATCH_SIZE": "0"}, [], ["CONVOSIFT_BATCH_SIZE", "between 10 and 500"]),
        ({"PIPELINE_STREAMING_BATCH_SIZE": "9000"}, [], ["BATCH_SIZE", "between 10 and 500"]),
        ({}, ["--batch-size", "0"], ["batch size", "between 10 and 500"]),
        ({"INTERCOM_REGION": "mars"}, [], ["INTERCOM_REGION", "'us', 'eu' or 'au'"]),
        ({"CONVOSIFT_DATABASE_URL": "mysql://db/convosift"}, [], ["CONVOSIFT_DATABASE_URL"]),
        ({"CONVOSIFT_DATABASE_URL": "sqlite:///no/such/dir/x.db"}, [], ["CONVOSIFT_DATABASE_URL"]),
        (
            {"CONVOSIFT_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
            [],
            ["CONVOSIFT_DATABASE_URL"],
        ),
        ({"CONVOSIFT_HEARTBEAT_SECONDS": "-1"}, [], ["CONVOSIFT_HEARTBEAT_SECONDS"]),
        ({"CONVOSIFT_CLASSIFIER": "oracle"}, [], ["CONVOSIFT_CLASSIFIER"]),
        ({"CONVOSIFT_SOURCE": "files", "CONVOSIFT_SOURCE_PATH": "missing.jsonl"}, [], ["missing.jsonl"]),
        ({"CONVOSIFT_API_TOKEN": ""}, [], ["CONVOSIFT_API_TOKEN", "is empty or only whitespace"]),
        ({"CONVOSIFT_API_TOKEN": "\u00a0 "}, [], ["CONVOSIFT_API_TOKEN", "is empty or only whitespace"]),
    ],
    ids=[
        "batch-size-env-0",
        "batch-size-alias-9000",
        "batch-size-option-0",
        "unknown-region",
        "unsupported-url",
        "sqlite-dir-missing",
        "postgres-unreachable",
        "negative-heartbeat",
        "unknown-classifier",
        "missing-source-file",
        "empty-api-token",
        "blank-api-token",
    ],
)
def test_invalid_settings_stop_backfill_before_anything_is_written(
    tmp_path: Path, env: dict[str, str], args: list[str], names: list[str]
) -> None:
    result = _convosift(tmp_path, "backfill", "--days", "1", *args, env=env)
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    for name in names:
        assert name in message, message
    assert "Traceback" not in result.stderr
    _nothing_written(tmp_path)


@pytest.mark.parametrize("setting", ["CONVOSIFT_TAXONOMY", "CONVOSIFT_VOCABULARY"])
@pytest.mark.parametrize(
    "content",
    [BROKEN_YAML, "", "themes: 42\ncategories: 7\n", "- just\n- a list\n"],
    ids=["unclosed", "empty", "wrong-types", "a-list"],
)
def test_malformed_taxonomy_or_vocabulary_yaml(tmp_path: Path, setting: str, content: str) -> None:
    (tmp_path / "bad.yaml").write_text(content)
    result = _convosift(tmp_path, "backfill", "--days", "1", env={setting: "bad.yaml"})
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    assert setting in message, message
    assert "bad.yaml" in message
    _nothing_written(tmp_path)


@pytest.mark.parametrize(
    ("toml", "names"),
    [
        ("batch_size = [unclosed\n", ["config.toml", "not valid TOML"]),
        ("batch_size = 0\n", ["batch_size", "between 10 and 500"]),
        ('intercom_region = "mars"\n', ["intercom_region"]),
    ],
    ids=["syntax", "batch-size", "region"],
)
def test_malformed_toml_config(tmp_path: Path, toml: str, names: list[str]) -> None:
    (tmp_path / "config.toml").write_text(toml)
    result = _convosift(tmp_path, "--config", "config.toml", "backfill", "--days", "1")
    assert result.returncode != 0
    message = " ".join(result.stderr.split())
    for name in names:
        assert name in message, message
    _nothing_written(tmp_path)
