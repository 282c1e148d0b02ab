"""Named sources: [sources.NAME] tables in the settings file, chosen with --source."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from convosift.cli import app
from convosift.config import load_settings
from convosift.errors import ConfigurationError
from convosift.source_selection import select_source

runner = CliRunner()


def _invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def two_workspaces(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mock_intercom: Callable[..., Any]
) -> tuple[Any, Any]:
    """Two Intercom-compatible workspaces with their own tokens, named alpha and beta."""
    alpha = mock_intercom(conversations=60, seed=3, token="alpha-secret-token")
    beta = mock_intercom(conversations=40, seed=4, token="beta-secret-token")
    config = tmp_path / "convosift.toml"
    config.write_text(
        f"""
[sources.alpha]
kind = "intercom"
base_url = "{alpha.base_url}"
token_env = "TOKEN_ALPHA"
sync_every = "15m"

[sources.beta]
kind = "intercom"
base_url = "{beta.base_url}"
token_env = "TOKEN_BETA"
"""
    )
    monkeypatch.setenv("CONVOSIFT_CONFIG", str(config))
    monkeypatch.setenv("TOKEN_ALPHA", alpha.token)
    monkeypatch.setenv("TOKEN_BETA", beta.token)
    monkeypatch.setenv("CONVOSIFT_CLASSIFIER", "none")
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", f"sqlite:///{tmp_path / 'sources.db'}")
    return alpha, beta


def test_each_named_source_runs_and_exports_on_its_own(two_workspaces: tuple[Any, Any]) -> None:
    for name, size in (("alpha", 60), ("beta", 40)):
        result = _invoke("backfill", "--source", name, "--since", "2000-01-01", "--json")
        assert result.exit_code == 0, result.stderr
        record = json.loads(result.stdout)
        assert (record["source"], record["status"], record["counts"]["listed"]) == (name, "completed", size)

    runs = json.loads(_invoke("runs", "--json").stdout)
    assert sorted(r["source"] for r in runs) == ["alpha", "beta"]
    only_beta = json.loads(_invoke("runs", "--source", "beta", "--json").stdout)
    assert [r["source"] for r in only_beta] == ["beta"]

    exported = _invoke("export", "conversations", "--source", "alpha", "--format", "jsonl").stdout
    rows = [json.loads(line) for line in io.StringIO(exported)]
    assert len(rows) == 60 and {r["source"] for r in rows} == {"alpha"}
    everything = _invoke("export", "conversations", "--format", "jsonl").stdout.splitlines()
    assert len(everything) == 100

    # A sync of one source starts from that source's own bookmark.
    synced = json.loads(_invoke("sync", "--source", "beta", "--json").stdout)
    assert synced["source"] == "beta" and synced["counts"]["fetched"] == 0
    # Tokens never reach the output.
    assert "secret-token" not in exported + json.dumps(runs)

    # Theme statistics and reports see one source when asked.
    from convosift.store import Store
    from convosift.store.themes import kept_results

    store = Store(load_settings().database_url)
    try:
        with store.read() as conn:
            kept = {name: len(kept_results(conn, None, None, source=name)) for name in ("alpha", "beta")}
            together = len(kept_results(conn, None, None))
    finally:
        store.dispose()
    assert kept["alpha"] > 0 and kept["beta"] > 0 and kept["alpha"] + kept["beta"] == together
    kept_alpha = sum(1 for row in rows if row["kept"])
    assert kept["alpha"] == kept_alpha
    report = _invoke("report", "--format", "md", "--out", "alpha.md", "--source", "alpha")
    assert report.exit_code == 0, report.stderr


def test_several_sources_need_a_choice_and_unknown_names_are_refused(
    two_workspaces: tuple[Any, Any],
) -> None:
    result = runner.invoke(app, ["backfill", "--days", "1"])
    assert result.exit_code != 0
    assert "2 sources are configured (alpha, beta)" in result.stderr and "--source" in result.stderr
    unknown = runner.invoke(app, ["backfill", "--days", "1", "--source", "gamma"])
    assert unknown.exit_code != 0 and "unknown source 'gamma'" in unknown.stderr
    assert "alpha, beta" in unknown.stderr


def test_a_missing_token_variable_is_named_before_anything_runs(
    two_workspaces: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOKEN_BETA")
    result = runner.invoke(app, ["backfill", "--source", "beta", "--days", "1"])
    assert result.exit_code != 0 and "TOKEN_BETA" in result.stderr
    assert json.loads(_invoke("runs", "--json").stdout) == []
    said = " ".join(_invoke("runs", "--source", "beta").stdout.split())
    assert said == "No runs of source beta yet: start one with `convosift backfill --source beta`."


def test_without_named_sources_the_environment_is_the_one_unnamed_source(tmp_path: Path) -> None:
    settings = load_settings(source="files", source_path=tmp_path / "inbox.jsonl")
    assert select_source(settings) is settings
    assert select_source(settings, "files") is settings
    with pytest.raises(ConfigurationError, match="no named source is configured"):
        select_source(settings, "alpha")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('kind = "files"', "a files source needs a path"),
        ('kind = "intercom"\ntoken = "x"', "Extra inputs are not permitted"),
        ('kind = "intercom"\nsync_every = "5 minutes"', "not a duration"),
        ('kind = "intercom"\nsync_every = "10s"', "shorter than a minute"),
        ('kind = "intercom"\ntoken_env = "not a name"', "token_env"),
    ],
)
def test_a_broken_source_table_is_a_clear_error(tmp_path: Path, table: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(f"[sources.alpha]\n{table}\n")
    with pytest.raises(ConfigurationError, match=message):
        load_settings(config)


def test_source_names_are_checked(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[sources."Alpha Workspace"]\nkind = "intercom"\n')
    with pytest.raises(ConfigurationError, match="lower-case letters"):
        load_settings(config)


def test_the_dashboard_filters_by_source(two_workspaces: tuple[Any, Any]) -> None:
    from fastapi.testclient import TestClient

    from convosift.api import create_app

    ids = {}
    for name in ("alpha", "beta"):
        result = _invoke("backfill", "--source", name, "--since", "2000-01-01", "--json")
        ids[name] = json.loads(result.stdout)["id"]
    with TestClient(create_app(load_settings())) as client:
        everything = client.get("/").text
        only_alpha = client.get("/", params={"source": "alpha"}).text
        themes = client.get("/themes", params={"source": "beta"})
        unknown = client.get("/", params={"source": "gamma"})
    assert ids["alpha"] in everything and ids["beta"] in everything
    assert ids["alpha"] in only_alpha and ids["beta"] not in only_alpha
    assert 'aria-current="page">alpha' in only_alpha
    assert themes.status_code == 200 and 'aria-current="page">beta' in themes.text
    assert unknown.status_code >= 400 and "gamma" in unknown.text
