"""The run commands: skins over the pipeline service, with exit codes, --json and signals."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from convosift.cli import app
from convosift.cli.app import console
from pipeline.memory import make_inbox

runner = CliRunner()
SINCE, UNTIL = "2023-01-01", "2024-01-01"
SIGNAL_INBOX = 160


@pytest.fixture
def inbox_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The files source over 120 conversations, a SQLite database, no classifier."""
    path = tmp_path / "inbox.jsonl"
    path.write_text("".join(json.dumps(c.model_dump(mode="json")) + "\n" for c in make_inbox(120)))
    monkeypatch.setenv("CONVOSIFT_SOURCE", "files")
    monkeypatch.setenv("CONVOSIFT_SOURCE_PATH", str(path))
    monkeypatch.setenv("CONVOSIFT_CLASSIFIER", "none")
    monkeypatch.setenv("CONVOSIFT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return path


def _invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_backfill_runs_status_and_export(inbox_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke("backfill", "--since", SINCE, "--until", UNTIL, "--batch-size", "25", "--json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "completed" and record["counts"]["listed"] == 120
    assert record["counts"]["filtered_by_reason"] and record["checkpoint"]["batches"] == 5

    again = json.loads(_invoke("backfill", "--since", SINCE, "--until", UNTIL, "--json").stdout)
    assert again["counts"]["unchanged"] == 120 and again["counts"]["fetched"] == 0
    runs = json.loads(_invoke("runs", "--json").stdout)
    assert [r["id"] for r in runs] == [again["id"], record["id"]]
    assert all("counts" in r for r in runs)
    status = json.loads(_invoke("status", record["id"], "--json").stdout)
    assert status["id"] == record["id"] and status["phase"] == "done"
    shown = _invoke("status", record["id"]).stdout
    assert "listed" in shown and "5 batches committed" in shown and "(phase done)" in shown
    options = next(line for line in shown.splitlines() if line.strip().startswith("options"))
    assert options.split() == ["options", "batch", "25"]  # no "max None, dry run False"
    # The table shows each run id whole, to copy into `status` or `resume`, even at 80 columns.
    # At 80 columns five columns, each whole; from 120 every column.
    monkeypatch.setattr(console, "_width", 80)
    table = runner.invoke(app, ["runs"], catch_exceptions=False).stdout
    assert record["id"] in table and again["id"] in table
    assert "completed" in table and "…" not in table and "window" not in table
    # The second run found every conversation stored unchanged: the table says so, not "0 stored".
    assert again["counts"]["unchanged"] == 120 and "unchanged" in table
    row = next(line for line in table.splitlines() if again["id"] in line)
    assert [cell.strip() for cell in row.split("│")[2:5]] == ["120", "120", "0"], row
    assert len([line for line in table.splitlines() if "│" in line]) == 2  # one line a run
    monkeypatch.setattr(console, "_width", 160)
    wide = runner.invoke(app, ["runs"], catch_exceptions=False).stdout
    assert all(column in wide for column in ("source", "kind", "window", "error")) and "…" not in wide

    out = inbox_env.parent / "conversations.jsonl"
    assert _invoke("export", "conversations", "--format", "jsonl", "--out", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 120 and [json.loads(x)["id"] for x in lines] == sorted(
        json.loads(x)["id"] for x in lines
    )
    csv_text = _invoke("export", "conversations", "--format", "csv").stdout
    assert _invoke("export", "conversations", "--format", "csv", "--out", "-").stdout == csv_text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == 120 and {"id", "updated_at", "kept", "quality_reason", "category", "theme"} <= set(
        rows[0]
    )


def test_a_run_that_lists_nothing_says_so(inbox_env: Path) -> None:
    result = _invoke("backfill", "--since", "2030-01-01", "--until", "2030-02-01")
    assert result.exit_code == 0
    assert "listed no conversation in this window" in result.stderr
    busy = _invoke("backfill", "--since", SINCE, "--until", UNTIL)
    assert busy.exit_code == 0 and "listed no conversation" not in busy.stderr
    quiet = _invoke("sync")  # nothing changed since: the normal case for a scheduled sync
    assert quiet.exit_code == 0 and "listed no conversation" not in quiet.stderr


def test_a_run_with_unreadable_records_points_to_them(inbox_env: Path) -> None:
    """A run that reads nothing but broken records completes: the summary says where they are."""
    inbox_env.write_text(
        '{"id": "x1", "created_at": "yesterday", "updated_at": 1690000000}\n{"id": 7, "opener": []}\n'
    )
    result = _invoke("backfill", "--since", SINCE, "--until", UNTIL)
    assert result.exit_code == 0
    assert (
        "2 conversations could not be read" in result.stderr and "convosift export skipped" in result.stderr
    )
    assert "could not be read" not in _invoke("backfill", "--since", SINCE, "--until", UNTIL, "--json").stderr
    dry = _invoke("backfill", "--since", SINCE, "--until", UNTIL, "--dry-run")
    assert "a dry run records none of them" in dry.stderr and "export skipped" not in dry.stderr


def test_export_is_identical_for_two_identical_runs(
    inbox_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = []
    for name in ("one", "two"):
        monkeypatch.setenv("CONVOSIFT_DATABASE_URL", f"sqlite:///{tmp_path / name}.db")
        assert _invoke("backfill", "--since", SINCE, "--until", UNTIL).exit_code == 0
        exports.append(_invoke("export", "conversations", "--format", "jsonl").stdout)
    assert exports[0] == exports[1] and exports[0]


def test_bad_options_exit_with_a_readable_error(inbox_env: Path) -> None:
    result = _invoke("backfill")
    assert result.exit_code == 2 and "--days" in result.stderr
    result = _invoke("backfill", "--days", "3", "--batch-size", "5")
    assert result.exit_code == 2 and "batch size" in result.stderr
    assert not (inbox_env.parent / "cli.db").exists()  # refused before the database and the models
    result = _invoke("export", "conversations", "--format", "xml")
    assert result.exit_code == 2
    assert _invoke("stop").exit_code == 6


def _refused(result: Any, *expected: str) -> None:
    """Exit 2 with a one-line message naming the problem, and no traceback."""
    output = result.stdout + result.stderr
    assert result.exit_code == 2, output
    assert "Traceback" not in output and "Error:" not in output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    for text in expected:
        assert text in message, message


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--days", "99999999999999999999"], "--days must be between 1 and 36500, got 99999999999999999999"),
        (["--days", "100000000"], "--days must be between 1 and 36500, got 100000000"),
        (["--days", "36501"], "--days must be between 1 and 36500"),
        (["--days", "0"], "--days must be between 1 and 36500, got 0"),
        (["--since", "0001-01-01"], "--since '0001-01-01' is out of range"),
        (["--since", "9999-12-31"], "--since '9999-12-31' is out of range"),
        (["--since", SINCE, "--until", "9999-12-31T23:00:00-05:00"], "--until '9999-12-31T23:00:00-05:00'"),
        (["--since", "2099-12-31"], "--since (2099-12-31) must be before now"),
        (["--days", "3", "--since", SINCE], "give either --days or --since/--until, not both"),
        (["--until", UNTIL], "--until needs --since"),
    ],
)
def test_backfill_refuses_a_window_out_of_range(inbox_env: Path, args: list[str], expected: str) -> None:
    _refused(_invoke("backfill", *args), expected)
    assert json.loads(_invoke("runs", "--json").stdout) == []


@pytest.mark.parametrize("limit", ["0", "1001", "99999999999999999999"])
def test_runs_refuses_a_limit_out_of_range(inbox_env: Path, limit: str) -> None:
    _refused(_invoke("runs", "--limit", limit), f"--limit must be between 1 and 1000, got {limit}")


@pytest.mark.parametrize("width", [80, 160])
def test_runs_with_none_stored_says_how_to_start_one(
    inbox_env: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    assert _invoke("runs", "--json").stdout == "[]\n"  # machine output stays an empty list
    monkeypatch.setattr(console, "_width", width)
    result = _invoke("runs")
    assert result.exit_code == 0
    assert " ".join(result.stdout.split()) == "No runs yet: start one with `convosift backfill`."


@pytest.mark.parametrize("command", [["export", "conversations"], ["report", "--format", "csv"]])
def test_export_and_report_refuse_an_output_that_is_a_folder(
    inbox_env: Path, tmp_path: Path, command: list[str]
) -> None:
    for out in ("", str(tmp_path)):
        _refused(_invoke(*command, "--out", out), "is a folder, not a file")


@pytest.mark.parametrize("command", [["export", "conversations"], ["report", "--format", "csv"]])
def test_export_and_report_refuse_an_output_they_cannot_create(
    inbox_env: Path, tmp_path: Path, command: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _refused(_invoke(*command, "--out", str(blocker / "out.txt")), "a-file cannot be created")


@pytest.mark.parametrize("command", [["export", "conversations"], ["report", "--format", "csv"]])
def test_export_and_report_create_missing_folders(
    inbox_env: Path, tmp_path: Path, command: list[str]
) -> None:
    assert _invoke("backfill", "--since", SINCE, "--until", UNTIL).exit_code == 0
    out = tmp_path / "new" / "folder" / "out.txt"
    result = _invoke(*command, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_text()


HOSTILE_IDS = ("a/b?c#d %e", "100%25 done", "ünï/cödé ✓", "/leading and trailing/", 'quote " and , comma')


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_keeps_any_printable_id(inbox_env: Path, tmp_path: Path, fmt: str) -> None:
    renamed = [
        item.model_copy(update={"id": conversation_id})
        for item, conversation_id in zip(make_inbox(len(HOSTILE_IDS)), HOSTILE_IDS, strict=True)
    ]
    inbox_env.write_text("".join(json.dumps(c.model_dump(mode="json")) + "\n" for c in renamed))
    assert _invoke("backfill", "--since", SINCE, "--until", UNTIL).exit_code == 0
    out = tmp_path / f"export.{fmt}"
    assert _invoke("export", "conversations", "--format", fmt, "--out", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    rows = (
        [json.loads(line) for line in text.splitlines()]
        if fmt == "jsonl"
        else csv.DictReader(io.StringIO(text))
    )
    assert {row["id"] for row in rows} == set(HOSTILE_IDS)


def test_a_missing_source_file_is_a_configuration_error_that_writes_nothing(
    inbox_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVOSIFT_SOURCE_PATH", str(inbox_env.parent / "missing.jsonl"))
    failed = _invoke("backfill", "--since", SINCE, "--until", UNTIL)
    assert failed.exit_code == 2 and "missing.jsonl" in failed.stderr
    monkeypatch.setenv("CONVOSIFT_SOURCE_PATH", "")
    unset = _invoke("backfill", "--since", SINCE, "--until", UNTIL)
    assert unset.exit_code == 2 and "needs a file" in unset.stderr and "CONVOSIFT_SOURCE_PATH" in unset.stderr
    monkeypatch.setenv("CONVOSIFT_SOURCE_PATH", str(inbox_env.parent))
    folder = _invoke("backfill", "--since", SINCE, "--until", UNTIL)
    assert folder.exit_code == 2 and "is a folder" in folder.stderr
    monkeypatch.setenv("CONVOSIFT_SOURCE_PATH", str(inbox_env))
    assert json.loads(_invoke("runs", "--json").stdout) == []


def test_a_failed_run_exits_non_zero_with_its_reason_and_resumes(
    inbox_env: Path, monkeypatch: pytest.MonkeyPatch, mock_intercom: Any
) -> None:
    server = mock_intercom(conversations=60, fault_rate=1.0)
    monkeypatch.setenv("CONVOSIFT_SOURCE", "intercom")
    monkeypatch.setenv("INTERCOM_BASE_URL", server.base_url)
    monkeypatch.setenv("INTERCOM_ACCESS_TOKEN", server.token)
    monkeypatch.setenv("INTERCOM_MAX_RETRIES", "0")
    failed = _invoke("backfill", "--days", "3650", "--batch-size", "10")
    assert failed.exit_code == 1 and "resume" in failed.stderr
    assert server.token not in failed.stderr + failed.stdout
    server.state.set_faults(rate=0.0)
    resumed = _invoke("resume", "--json")
    assert resumed.exit_code == 0, resumed.stderr
    record = json.loads(resumed.stdout)
    assert record["status"] == "completed" and record["counts"]["listed"] == 60


def test_dry_run_reports_counts_and_stores_no_conversation(inbox_env: Path, tmp_path: Path) -> None:
    record = json.loads(_invoke("backfill", "--since", SINCE, "--until", UNTIL, "--dry-run", "--json").stdout)
    assert (
        record["options"]["dry_run"] and record["counts"]["stored"] == 0 and record["counts"]["listed"] == 120
    )
    assert _invoke("export", "conversations").stdout == ""


def test_reanalyze_analyses_the_stored_conversations_again_and_runs_here_only(inbox_env: Path) -> None:
    first = json.loads(_invoke("backfill", "--since", SINCE, "--until", UNTIL, "--json").stdout)
    again = json.loads(_invoke("backfill", "--since", SINCE, "--until", UNTIL, "--json").stdout)
    redone = json.loads(
        _invoke("backfill", "--since", SINCE, "--until", UNTIL, "--reanalyze", "--json").stdout
    )
    assert again["counts"]["unchanged"] == first["counts"]["stored"] > 0 and again["counts"]["fetched"] == 0
    assert redone["options"]["reanalyze"] and redone["counts"]["unchanged"] == 0
    assert redone["counts"]["stored"] == first["counts"]["stored"]
    queued = runner.invoke(app, ["backfill", "--days", "1", "--reanalyze", "--queue"])
    assert queued.exit_code == 2 and "--reanalyze cannot be queued" in queued.stderr


def test_demo_backfills_a_synthetic_inbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONVOSIFT_CLASSIFIER", "none")
    database = tmp_path / "demo.db"
    result = _invoke("demo", "--conversations", "120", "--database", str(database), "--json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["run"]["status"] == "completed" and summary["run"]["counts"]["listed"] == 120
    assert summary["run"]["counts"]["filtered_by_reason"] and database.exists()
    assert {"top_categories", "top_themes", "proposals", "ground_truth"} <= set(summary)
    assert summary["ground_truth"]["filter_agreement"] == 1.0
    for proposal in summary["proposals"]:
        assert proposal["id"].startswith("p") and proposal["size"] >= 5
        assert proposal["title"] and not any(c.isdigit() for c in proposal["title"])


# --- signals against a real process ----------------------------------------------------------


def _committed_batches(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.text("SELECT checkpoint FROM runs")).scalar()
    except sa.exc.SQLAlchemyError:
        return 0
    finally:
        engine.dispose()
    return 0 if value is None else int((json.loads(value) if isinstance(value, str) else value)["batches"])


def _slow_backfill(
    tmp_path: Path, mock_intercom: Callable[..., Any]
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    server = mock_intercom(conversations=SIGNAL_INBOX, seed=3, latency_ms=150)
    url = f"sqlite:///{tmp_path / 'signals.db'}"
    env = {
        **os.environ,
        "CONVOSIFT_DATABASE_URL": url,
        "CONVOSIFT_CLASSIFIER": "none",
        "INTERCOM_BASE_URL": server.base_url,
        "INTERCOM_ACCESS_TOKEN": server.token,
    }
    command = [sys.executable, "-m", "convosift", "backfill", "--days", "400", "--batch-size", "20", "--json"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _committed_batches(url) < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be interrupted"
    return process, url, env


def _stored(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM conversations")).scalar_one()) + int(
                conn.execute(sa.text("SELECT count(*) FROM skipped")).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_at_a_batch_boundary(
    tmp_path: Path, mock_intercom: Callable[..., Any], signum: signal.Signals
) -> None:
    process, url, _ = _slow_backfill(tmp_path, mock_intercom)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()
    record = json.loads(stdout)
    assert record["status"] == "stopped"
    assert record["counts"]["listed"] == 20 * record["checkpoint"]["batches"] < SIGNAL_INBOX
    assert _stored(url) == record["counts"]["listed"]


def test_a_second_sigint_aborts_at_once_and_the_run_resumes(
    tmp_path: Path, mock_intercom: Callable[..., Any]
) -> None:
    for attempt in range(3):
        folder = tmp_path / f"attempt-{attempt}"
        folder.mkdir()
        process, url, env = _slow_backfill(folder, mock_intercom)
        process.send_signal(signal.SIGINT)
        assert process.stderr is not None
        heard = b""
        while b"stopping" not in heard and process.poll() is None:
            heard = process.stderr.readline()  # "stopping at the next batch boundary": it was heard
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        if process.returncode != 0:
            break
        # The batch in flight ended and the run stopped cleanly before the second Ctrl-C reached
        # it (a loaded machine): nothing was left to abort. Try again with a fresh run.
    # 130: the second Ctrl-C aborted the run mid-batch. -SIGINT: the first one had already stopped
    # it at a batch boundary and the second met the process on its way out (Python re-raises an
    # interrupt at exit as the signal itself). Either way the run is aborted at once.
    assert process.returncode in (130, -signal.SIGINT), stderr.decode()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        status, counts = conn.execute(sa.text("SELECT status, counts FROM runs")).one()
    engine.dispose()
    listed = json.loads(counts)["listed"] if isinstance(counts, str) else counts["listed"]
    assert status in ("stopped", "running") and _stored(url) == listed and listed % 20 == 0
    resumed = subprocess.run(
        [sys.executable, "-m", "convosift", "resume", "--json"],
        check=False,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr.decode()
    record = json.loads(resumed.stdout)
    assert record["status"] == "completed" and record["counts"]["listed"] == SIGNAL_INBOX == _stored(url)


def test_resume_refuses_while_a_run_of_the_source_is_active(inbox_env: Path, tmp_path: Path) -> None:
    """The CLI applies the API's rule: "resume the latest run" beside an active one is a conflict."""
    from convosift.config import load_settings
    from convosift.domain import Window
    from convosift.pipeline.service import Service

    config = load_settings()
    with Service.open(config) as service:
        stopped = service.start_run(window=Window(since=0, until=2**31), max_conversations=10)
        active = service.create_run(window=Window(since=0, until=2**31))
    assert stopped.status.value == "completed" and active.status.value == "running"
    result = _invoke("resume")
    assert result.exit_code == 5, result.output
    assert f"run {active.id} is already running" in result.stderr
    assert "Traceback" not in result.output
