"""Run control through the API against the local Intercom-compatible server, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from convosift.analysis.base import NullAnalyzer
from convosift.config import Settings
from convosift.mock.server import MockIntercomHandle
from convosift.sources.intercom import IntercomSource

from .conftest import API_TOKEN, INTERCOM_TOKEN, GatedAnalyzer, assert_no_secret, client_for, make_settings

CONVERSATIONS = 60
BATCH = 10


@pytest.fixture
def intercom(mock_intercom: Callable[..., MockIntercomHandle]) -> MockIntercomHandle:
    return mock_intercom(conversations=CONVERSATIONS, token=INTERCOM_TOKEN)


@pytest.fixture
def run_settings(database_url: str, intercom: MockIntercomHandle) -> Settings:
    return make_settings(database_url, intercom_base_url=intercom.base_url, heartbeat_seconds=0.5)


class Recorder:
    """Keeps every response body so a test can check that no secret ever left the API."""

    def __init__(self, client: TestClient) -> None:
        self.client, self.bodies = client, []  # type: ignore[var-annotated]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        self.bodies.append(response.text)
        return response

    def wait(self, run_id: str, statuses: tuple[str, ...], timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.request("GET", f"/api/pipeline/status/{run_id}").json()
            if run["status"] in statuses:
                return dict(run)
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} did not reach {statuses}: {run}")


def _start(api: Recorder, **body: Any) -> str:
    response = api.request("POST", "/api/pipeline/run", json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _factories(analyzer: Any = None) -> dict[str, Any]:
    return {
        "source_factory": IntercomSource,
        "analyzer_factory": (lambda _s: analyzer) if analyzer is not None else (lambda _s: NullAnalyzer()),
    }


def test_a_run_started_through_the_api_completes(run_settings: Settings) -> None:
    with client_for(run_settings, **_factories()) as client:
        api = Recorder(client)
        started = api.request("POST", "/api/pipeline/run", json={"days": 400, "batch_size": BATCH})
        assert started.status_code == 202, started.text
        run = started.json()
        assert run["status"] == "running"
        assert run["options"] == {
            "batch_size": BATCH,
            "max_conversations": None,
            "dry_run": False,
            "reanalyze": False,
        }
        final = api.wait(run["id"], ("completed", "failed"))
        assert final["status"] == "completed", final["error"]
        counts = final["counts"]
        assert counts["listed"] == CONVERSATIONS
        assert counts["stored"] == CONVERSATIONS - counts["skipped"]
        # The null analyzer leaves every kept conversation unmatched; filtered ones are not analysed.
        assert counts["unmatched"] + counts["filtered"] == counts["stored"]
        assert final["checkpoint"]["batches"] == CONVERSATIONS // BATCH
        assert final["duration_seconds"] >= 0
        assert final["finished_at"] is not None
        stored = api.request("GET", "/api/conversations", params={"limit": 1}).json()["total"]
        assert stored == counts["stored"]
        assert api.request("GET", "/api/pipeline/active").json() == {"runs": []}
        history = api.request("GET", "/api/pipeline/history").json()["runs"]
        assert [r["id"] for r in history] == [run["id"]]
        page = api.request("GET", "/").text
        assert '<span class="badge status-completed">completed</span>' in page
        assert f"<code>{run['id']}</code>" in page
    for body in api.bodies:
        assert_no_secret(body)


def test_a_second_start_while_one_is_active_is_409(run_settings: Settings) -> None:
    gate = GatedAnalyzer(hold_batches=lambda call: call == 1)
    with client_for(run_settings, **_factories(gate)) as client:
        first = client.post("/api/pipeline/run", json={"days": 400, "batch_size": BATCH})
        assert first.status_code == 202
        assert gate.entered.wait(30)
        second = client.post("/api/pipeline/run", json={"days": 30, "batch_size": BATCH})
        assert second.status_code == 409
        assert second.json()["error"] == "run_conflict"
        assert first.json()["id"] in second.json()["message"]
        resume = client.post("/api/pipeline/run", json={"resume": True})
        assert resume.status_code == 409
        assert resume.json()["error"] == "run_conflict"
        active = client.get("/api/pipeline/active").json()["runs"]
        assert [r["id"] for r in active] == [first.json()["id"]]
        assert len(client.get("/api/pipeline/history").json()["runs"]) == 1
        page = client.get("/").text
        assert f'data-run-id="{first.json()["id"]}"' in page
        assert 'data-count="listed"' in page
        gate.release.set()
        assert Recorder(client).wait(first.json()["id"], ("completed",))["status"] == "completed"


def test_stop_through_the_api_lands_on_a_batch_boundary(run_settings: Settings) -> None:
    gate = GatedAnalyzer(hold_batches=lambda call: call == 2)
    with client_for(run_settings, **_factories(gate)) as client:
        api = Recorder(client)
        run_id = _start(api, days=400, batch_size=BATCH)
        assert gate.entered.wait(30)
        stopping = api.request("POST", "/api/pipeline/stop", json={"run_id": run_id})
        assert stopping.status_code == 202
        assert stopping.json()["status"] == "stopping"
        gate.release.set()
        final = api.wait(run_id, ("stopped", "completed", "failed"))
        assert final["status"] == "stopped"
        batches = final["checkpoint"]["batches"]
        assert batches == 2
        counts = final["counts"]
        assert counts["listed"] == batches * BATCH
        assert counts["stored"] + counts["skipped"] == counts["listed"]
        total = api.request("GET", "/api/conversations", params={"limit": 1}).json()["total"]
        assert total == counts["stored"]
        assert api.request("GET", "/api/pipeline/active").json()["runs"] == []


def test_stop_without_an_active_run_is_404(run_settings: Settings) -> None:
    with client_for(run_settings, **_factories()) as client:
        response = client.post("/api/pipeline/stop")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_a_stopped_run_resumes_through_the_api_to_the_same_counts(run_settings: Settings) -> None:
    gate = GatedAnalyzer(hold_batches=lambda call: call == 1)
    with client_for(run_settings, **_factories(gate)) as client:
        api = Recorder(client)
        run_id = _start(api, days=400, batch_size=BATCH)
        assert gate.entered.wait(30)
        api.request("POST", "/api/pipeline/stop")
        gate.release.set()
        assert api.wait(run_id, ("stopped",))["checkpoint"]["batches"] == 1
        resumed = api.request("POST", "/api/pipeline/run", json={"resume": True})
        assert resumed.status_code == 202, resumed.text
        assert resumed.json()["id"] == run_id
        final = api.wait(run_id, ("completed", "failed"))
        assert final["status"] == "completed"
        assert final["counts"]["listed"] == CONVERSATIONS
        assert final["checkpoint"]["batches"] == CONVERSATIONS // BATCH
        again = api.request("POST", "/api/pipeline/run", json={"resume": True, "resume_run_id": run_id})
        assert again.status_code == 422
        assert "completed" in again.json()["message"]


def test_reanalyze_through_the_api_fetches_the_stored_conversations_again(run_settings: Settings) -> None:
    with client_for(run_settings, **_factories()) as client:
        api = Recorder(client)
        first = api.wait(_start(api, days=400, batch_size=BATCH), ("completed", "failed"))
        plain = api.wait(_start(api, days=400, batch_size=BATCH), ("completed", "failed"))
        assert plain["counts"]["unchanged"] == first["counts"]["stored"] > 0
        redone = api.wait(_start(api, days=400, batch_size=BATCH, reanalyze=True), ("completed", "failed"))
        assert redone["options"]["reanalyze"] and redone["counts"]["unchanged"] == 0
        assert redone["counts"]["fetched"] == first["counts"]["fetched"]
        refused = api.request("POST", "/api/pipeline/run", json={"resume": True, "reanalyze": True})
        assert refused.status_code == 422 and "keeps the options of its run" in refused.text


def test_dry_run_has_a_preview_and_writes_no_conversations(run_settings: Settings) -> None:
    with client_for(run_settings, **_factories()) as client:
        api = Recorder(client)
        run = api.request(
            "POST", "/api/pipeline/run", json={"days": 400, "dry_run": True, "max_conversations": 25}
        ).json()
        final = api.wait(run["id"], ("completed", "failed"))
        assert final["status"] == "completed"
        assert final["counts"]["listed"] == 25
        assert final["counts"]["stored"] == 0
        preview = api.request("GET", f"/api/pipeline/status/{run['id']}/preview").json()
        assert preview["dry_run"] is True
        assert len(preview["items"]) > 0
        assert {"id"} <= set(preview["items"][0])
        listing = api.request("GET", "/api/conversations").json()
        assert listing["items"] == [] and listing["total"] == 0
    for body in api.bodies:
        assert_no_secret(body)


def test_history_pages_newest_first_and_survives_a_restart(run_settings: Settings) -> None:
    ids = []
    with client_for(run_settings, **_factories()) as client:
        api = Recorder(client)
        for _ in range(3):
            run = api.request(
                "POST", "/api/pipeline/run", json={"days": 400, "dry_run": True, "max_conversations": 10}
            ).json()
            api.wait(run["id"], ("completed",))
            ids.append(run["id"])
        first = api.request("GET", "/api/pipeline/history", params={"limit": 2}).json()["runs"]
        rest = api.request("GET", "/api/pipeline/history", params={"limit": 2, "offset": 2}).json()["runs"]
        assert [r["id"] for r in first + rest] == ids[::-1]
    restarted_settings = make_settings(
        run_settings.database_url, intercom_base_url=run_settings.intercom_base_url
    )
    with client_for(restarted_settings, **_factories()) as restarted:
        history = restarted.get("/api/pipeline/history").json()["runs"]
        assert [r["id"] for r in history] == ids[::-1]
        assert all(r["status"] == "completed" for r in history)
        assert restarted.get(f"/api/pipeline/status/{ids[0]}").json()["counts"]["listed"] == 10


def test_unknown_run_is_404(run_settings: Settings) -> None:
    with client_for(run_settings, **_factories()) as client:
        for path in ("/api/pipeline/status/nope", "/api/pipeline/status/nope/preview"):
            response = client.get(path)
            assert response.status_code == 404
            assert response.json()["error"] == "run_not_found"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"days": 7, "since": "2024-01-01"}, "either days or since/until, not both"),
        ({"days": 7, "batch_size": 5}, "batch_size:"),
        ({"days": 7, "batch_size": 501}, "batch_size:"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "must be before until"),
        ({"since": "2024-02-01", "until": "2024-02-01"}, "must be before until"),
        ({"since": "last tuesday"}, "is not an ISO date"),
        ({}, "give days or since"),
        ({"until": "2024-01-01"}, "until needs since"),
        ({"days": 0}, "days:"),
        ({"days": 7, "max_conversations": 0}, "max_conversations:"),
        ({"days": 7, "resume_run_id": "abc"}, "resume_run_id needs resume: true"),
        # A run id of 5,000 characters reached the server's log whole.
        ({"resume": True, "resume_run_id": "x" * 5000}, "resume_run_id:"),
        ({"days": 7, "colour": "blue"}, "colour:"),
    ],
)
def test_invalid_run_requests_are_422_with_a_clear_message(
    sqlite_url: str, body: dict[str, Any], expected: str
) -> None:
    with client_for(make_settings(sqlite_url), **_factories()) as client:
        response = client.post("/api/pipeline/run", json=body)
        assert response.status_code == 422
        assert response.json()["error"] == "validation_error"
        assert expected in response.json()["message"]
        assert client.get("/api/pipeline/history").json()["runs"] == []


def test_a_run_with_the_api_token_set(database_url: str, intercom: MockIntercomHandle) -> None:
    settings = make_settings(database_url, intercom_base_url=intercom.base_url, api_token=API_TOKEN)
    with client_for(settings, **_factories()) as client:
        api = Recorder(client)
        denied = api.request("POST", "/api/pipeline/run", json={"days": 400, "max_conversations": 10})
        assert denied.status_code == 401
        headers = {"Authorization": f"Bearer {API_TOKEN}"}
        body = {"days": 400, "max_conversations": 10}
        run = api.request("POST", "/api/pipeline/run", json=body, headers=headers)
        assert run.status_code == 202
        api.wait(run.json()["id"], ("completed",))
        for path in ("/", "/conversations", "/api/conversations", "/api/pipeline/history", "/api/themes"):
            api.request("GET", path)
    for body in api.bodies:
        assert_no_secret(body)


def test_a_second_server_over_the_same_database_sees_and_stops_the_run(run_settings: Settings) -> None:
    """Two app instances share nothing but the database: the second one watches, refuses and stops."""
    gate = GatedAnalyzer(hold_batches=lambda call: call == 1)
    with (
        client_for(run_settings, **_factories(gate)) as first,
        client_for(run_settings, **_factories()) as second,
    ):
        run_id = _start(Recorder(first), days=400, batch_size=BATCH)
        assert gate.entered.wait(30)
        assert [r["id"] for r in second.get("/api/pipeline/active").json()["runs"]] == [run_id]
        assert second.post("/api/pipeline/run", json={"days": 400}).status_code == 409
        stopping = second.post("/api/pipeline/stop", json={"run_id": run_id})
        assert stopping.status_code == 202
        gate.release.set()
        final = Recorder(second).wait(run_id, ("stopped", "completed", "failed"))
        assert final["status"] == "stopped"
        assert final["checkpoint"]["batches"] == 1
        assert final["counts"]["listed"] == BATCH


def test_a_failed_run_reports_its_error_without_the_token(
    database_url: str, mock_intercom: Callable[..., MockIntercomHandle]
) -> None:
    intercom = mock_intercom(conversations=10, token="a-different-token-123")
    settings = make_settings(database_url, intercom_base_url=intercom.base_url, intercom_max_retries=0)
    with client_for(settings, **_factories()) as client:
        api = Recorder(client)
        final = api.wait(_start(api, days=400), ("completed", "failed", "stopped"))
        assert final["status"] == "failed"
        assert final["error"], final
        api.request("GET", "/")
    for body in api.bodies:
        assert_no_secret(body)
