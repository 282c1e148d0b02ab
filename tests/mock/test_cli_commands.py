"""``convosift generate`` and ``convosift mock-intercom``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from typer.testing import CliRunner

from convosift.cli import app
from convosift.mock.inbox import read_truth

runner = CliRunner()


def test_generate_writes_the_inbox_and_its_truth(tmp_path: Path) -> None:
    out = tmp_path / "inbox.jsonl"
    result = runner.invoke(
        app, ["generate", "--conversations", "80", "--seed", "4", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["conversations"] == 80 and summary["truth_path"] == str(tmp_path / "inbox.truth.jsonl")
    conversations = [json.loads(line) for line in out.read_text().splitlines()]
    truth = read_truth(out)
    assert [c["id"] for c in conversations] == [t.id for t in truth]
    assert sum(summary["expected_filter"].values()) == 80
    assert summary["expected_filter"]["kept"] == sum(t.expected_filter == "kept" for t in truth)


def test_generate_is_deterministic_and_reports_a_missing_folder(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for path in (first, second):
        assert runner.invoke(app, ["generate", "-n", "30", "--seed", "2", "--out", str(path)]).exit_code == 0
    assert first.read_text() == second.read_text()
    missing = runner.invoke(app, ["generate", "-n", "3", "--out", str(tmp_path / "nope" / "x.jsonl")])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_mock_intercom_serves_until_interrupted() -> None:
    command = [sys.executable, "-c", "from convosift.cli import main; main()"]
    command += ["mock-intercom", "--port", "0", "-n", "30", "--token", "t0k"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert "http://127.0.0.1:" in first_line, first_line
        base_url = first_line.split()[-1]
        assert "t0k" in process.stdout.readline()
        response = httpx.get(f"{base_url}/me", headers={"Authorization": "Bearer t0k"}, timeout=10)
        assert response.status_code == 200 and response.json()["type"] == "admin"
        assert httpx.get(f"{base_url}/me", timeout=10).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode is not None


def test_mock_intercom_on_a_port_in_use_says_so_without_a_traceback() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["mock-intercom", "--port", str(port), "-n", "5"])
    assert result.exit_code == 2, result.output
    assert f"port {port} on 127.0.0.1 cannot be listened on" in result.output
    assert "--port" in result.output and "Traceback" not in result.output
