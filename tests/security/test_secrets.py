"""The Intercom token, the LLM key and the API token never leave the process in clear.

Real runs through the CLI with distinctive secret values (debug JSON logs on): a backfill with
the LLM classifier against the local OpenAI-compatible server, a backfill the help desk refuses,
and a sync during which the LLM rejects its key. Then every place a secret could end up is
read and grepped: stdout and stderr of every command, every table and column of the database
as text, the JSONL and CSV exports, the HTML report, and the API's responses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from convosift.config import load_settings
from convosift.mock.server import MockIntercomHandle
from openai_server import Step, openai_server

INTERCOM_SECRET = "tok-Zq81intercom-secret-4b1f7e"
LLM_SECRET = "sk-Zq81llm-secret-93ac2d"
API_SECRET = "api-Zq81api-secret-7e21"
SECRETS = (INTERCOM_SECRET, LLM_SECRET, API_SECRET)


def _leaks(text: str) -> list[str]:
    # Any long fragment counts: a secret cut in half by truncation is still a leak.
    return [secret for secret in SECRETS if secret in text or secret[4:20] in text]


def _cli(tmp_path: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "convosift", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return f"$ convosift {' '.join(args)} -> {result.returncode}\n{result.stdout}\n{result.stderr}"


def _database_as_text(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        chunks = []
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    chunks.append(f"{table.name}: {json.dumps([str(v) for v in row], ensure_ascii=False)}")
        return "\n".join(chunks)
    finally:
        engine.dispose()


def _api_responses(url: str, base_url: str) -> str:
    from convosift.api import create_app

    settings = load_settings(
        database_url=url,
        source="intercom",
        intercom_base_url=base_url,
        intercom_access_token=INTERCOM_SECRET,
        api_token=API_SECRET,
        classifier="llm",
        llm_api_key=LLM_SECRET,
        llm_base_url="http://127.0.0.1:9/v1",
    )
    chunks = []
    with TestClient(create_app(settings)) as client:
        history = client.get("/api/pipeline/history?limit=50")
        chunks.append(history.text)
        runs = history.json()["runs"]
        assert len(runs) >= 3
        assert any(run["error"] for run in runs)
        for run in runs:
            chunks.append(client.get(f"/api/pipeline/status/{run['id']}").text)
        conversations = client.get("/api/conversations")
        chunks.append(conversations.text)
        for path in ("/api/pipeline/active", "/api/themes", "/", "/conversations", "/themes", "/healthz"):
            chunks.append(client.get(path).text)
        # Mutating endpoints: without the token, with a wrong one, and with the right one.
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {API_SECRET}"}):
            started = client.post("/api/pipeline/run", json={"days": 1}, headers=headers)
            assert started.status_code != 202 or headers.get("Authorization") == f"Bearer {API_SECRET}"
            chunks.append(started.text)
            chunks.append(client.post("/api/pipeline/stop", json={}, headers=headers).text)
    return "\n".join(chunks)


def test_secrets_appear_in_no_log_error_row_export_report_or_response(
    mock_intercom: Callable[..., MockIntercomHandle], tmp_path: Path, database_url: str
) -> None:
    server = mock_intercom(conversations=40, seed=3, token=INTERCOM_SECRET)
    refusing = mock_intercom(conversations=40, seed=3, token="another-workspace-token")
    with openai_server() as llm:
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("CONVOSIFT_", "INTERCOM_", "OPENAI_"))
        }
        env = {
            **base,
            "CONVOSIFT_DATABASE_URL": database_url,
            "CONVOSIFT_SOURCE": "intercom",
            "CONVOSIFT_CLASSIFIER": "llm",
            "CONVOSIFT_LLM_BASE_URL": llm.base_url,
            "CONVOSIFT_LLM_API_KEY": LLM_SECRET,
            "CONVOSIFT_LLM_MAX_RETRIES": "0",
            "CONVOSIFT_API_TOKEN": API_SECRET,
            "CONVOSIFT_LOG_LEVEL": "debug",
            "CONVOSIFT_LOG_FORMAT": "json",
            "INTERCOM_BASE_URL": server.base_url,
            "INTERCOM_ACCESS_TOKEN": INTERCOM_SECRET,
            "INTERCOM_MAX_RETRIES": "0",
        }
        window = ("--since", "2000-01-01", "--until", "2100-01-01")
        seen = [_cli(tmp_path, env, "backfill", *window, "--json")]
        assert '"status": "completed"' in seen[-1], seen[-1]
        assert llm.calls > 0
        # The help desk refuses the token (another workspace's server).
        seen.append(_cli(tmp_path, {**env, "INTERCOM_BASE_URL": refusing.base_url}, "backfill", *window))
        assert "-> 0" not in seen[-1].splitlines()[0]
        # The LLM rejects its key while a sync re-classifies changed conversations.
        server.state.mutate(count=5)
        llm.set_script([Step.error(401)] * 100)
        seen.append(_cli(tmp_path, env, "sync", "--json"))
        assert "-> 0" not in seen[-1].splitlines()[0]
        llm.reset()
        seen.append(_cli(tmp_path, env, "resume", "--json"))
        for args in (
            ("runs", "--json"),
            ("status", "--json"),
            ("export", "conversations", "--format", "jsonl"),
            ("export", "conversations", "--format", "csv"),
            ("report", "--format", "html", "--out", "r.html"),
            ("report", "--format", "md", "--out", "r.md"),
        ):
            seen.append(_cli(tmp_path, env, *args))
        prompts = json.dumps(llm.requests)

    outputs = "\n".join(seen)
    assert '"error"' in outputs or "error:" in outputs  # the failing runs did report errors
    files = "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("r.*"))
    assert files
    places = {
        "command output and logs": outputs,
        "database": _database_as_text(database_url),
        "reports": files,
        "API responses": _api_responses(database_url, server.base_url),
        "prompts sent to the LLM": prompts,
    }
    leaked = {place: _leaks(text) for place, text in places.items() if _leaks(text)}
    assert leaked == {}
    assert "Intercom refused the access token" in outputs
