"""``convosift serve``: a real server process on a free loopback port; a warning for exposed binds,
a reminder when writes are open, and a port in use refused before anything is announced."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from convosift.api.serving import is_loopback

from .conftest import API_TOKEN, INTERCOM_TOKEN, assert_no_secret


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CONVOSIFT = str(Path(sys.executable).parent / "convosift")
OPEN_WRITES = "POST endpoints are open to anyone who can reach"


def _environment(tmp_path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "CONVOSIFT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "INTERCOM_ACCESS_TOKEN": INTERCOM_TOKEN,
        **(env or {}),
    }


@contextmanager
def _serving(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [CONVOSIFT, "serve", *args],
        env=_environment(tmp_path, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _refused(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``convosift serve`` expected to exit at once, without serving."""
    return subprocess.run(
        [CONVOSIFT, "serve", *args],
        env=_environment(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            return httpx.get(f"{url}/healthz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not answer in time")


def test_loopback_detection() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        assert not is_loopback(host), host


def test_serve_binds_loopback_by_default_and_serves_the_app(tmp_path: Path) -> None:
    port = _free_port()
    with _serving(tmp_path, "--port", str(port), env={"CONVOSIFT_API_TOKEN": API_TOKEN}) as process:
        health = _wait_healthy(f"http://127.0.0.1:{port}", process)
        assert health.json() == {"status": "ok"}
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200
        assert_no_secret(page.text)
        rebound = httpx.get(f"http://127.0.0.1:{port}/api/pipeline/history", headers={"Host": "evil.example"})
        assert rebound.status_code == 400
        unauthorised = httpx.post(f"http://127.0.0.1:{port}/api/pipeline/stop", json={}, timeout=5)
        assert unauthorised.status_code == 401
        listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=False).stdout
        if listening:
            bound = [line for line in listening.splitlines() if f":{port} " in line]
            assert bound and all("127.0.0.1:" in line for line in bound), bound
    stderr = process.stderr.read() if process.stderr else ""
    assert "warning" not in stderr and OPEN_WRITES not in stderr


@pytest.mark.parametrize("host", ["0.0.0.0"])
def test_serve_warns_when_exposed_without_a_token(tmp_path: Path, host: str) -> None:
    port = _free_port()
    with _serving(tmp_path, "--host", host, "--port", str(port)) as process:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
    stderr = process.stderr.read() if process.stderr else ""
    assert "without an API token" in stderr
    assert OPEN_WRITES not in stderr  # the warning says it already
    assert_no_secret(stderr)


def test_serve_without_a_token_reminds_that_writes_are_open(tmp_path: Path) -> None:
    port = _free_port()
    with _serving(tmp_path, "--port", str(port)) as process:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
    stderr = " ".join((process.stderr.read() if process.stderr else "").split())
    assert f"{OPEN_WRITES} 127.0.0.1:{port}" in stderr and "set CONVOSIFT_API_TOKEN" in stderr
    assert "warning" not in stderr


def test_serve_on_a_port_in_use_says_so_before_announcing_anything(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _refused(tmp_path, "--port", str(port))
    said = " ".join(result.stderr.split())
    assert result.returncode == 2, said
    assert said.startswith(f"error: port {port} on 127.0.0.1 is already in use"), said
    assert "--port" in said
    assert "dashboard on" not in said and "Traceback" not in said and OPEN_WRITES not in said


def test_serve_on_an_address_of_another_machine_says_so(tmp_path: Path) -> None:
    # 192.0.2.0/24 is reserved for documentation: no machine has it.
    result = _refused(
        tmp_path, "--host", "192.0.2.1", "--port", str(_free_port()), env={"CONVOSIFT_API_TOKEN": API_TOKEN}
    )
    said = " ".join(result.stderr.split())
    assert result.returncode == 2, said
    assert said.startswith("error: cannot listen on 192.0.2.1:"), said
    assert "--host" in said and "dashboard on" not in said and "Traceback" not in said
    assert_no_secret(said)
