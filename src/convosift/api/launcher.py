"""Background threads that execute runs started through the API.

The database is the source of truth for every run; this object only owns the threads this
process started and their stop events, so a stop request reaches a local run at once (the
pipeline also notices the ``stopping`` status in the database, which is how a stop sent to
another server process arrives). On shutdown every local run is asked to stop at its next batch
boundary and the threads are joined; the runs stay resumable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from convosift.logs import get_logger
from convosift.pipeline.records import RunRecord

log = get_logger(__name__)


@dataclass
class LocalRun:
    """One execution in this process (``run_id`` of a resume is known once the run is claimed)."""

    run_id: str | None = None
    record: RunRecord | None = None
    error: BaseException | None = None
    stop_event: threading.Event = field(default_factory=threading.Event)
    claimed: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def on_progress(self, record: RunRecord) -> None:
        """Progress callback of the pipeline: the first call means the run is claimed."""
        self.run_id, self.record = record.id, record
        self.claimed.set()

    def wait_claimed(self, timeout: float) -> RunRecord | None:
        """The claimed run's record; re-raises what the execution failed with before its claim."""
        self.claimed.wait(timeout)
        if self.record is None and self.error is not None:
            raise self.error
        return self.record


class RunLauncher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: list[LocalRun] = []

    def launch(self, target: Callable[[LocalRun], Any], run_id: str | None = None) -> LocalRun:
        """Run ``target(local_run)`` in a daemon thread; its errors are kept (the run records them too)."""
        local = LocalRun(run_id=run_id)

        def work() -> None:
            try:
                target(local)
            except Exception as exc:
                local.error = exc
                log.warning(
                    "run ended with an error",
                    run_id=local.run_id,
                    error_type=type(exc).__name__,
                    error=str(exc),
                )
            finally:
                local.claimed.set()
                with self._lock:
                    self._runs.remove(local)

        local.thread = threading.Thread(target=work, name=f"convosift-run-{run_id or 'resume'}", daemon=True)
        with self._lock:
            self._runs.append(local)
        local.thread.start()
        return local

    def signal_stop(self, run_id: str) -> bool:
        """Set the stop event of the local execution of ``run_id``; False when it runs elsewhere."""
        with self._lock:
            chosen = [local for local in self._runs if local.run_id == run_id]
        for local in chosen:
            local.stop_event.set()
        return bool(chosen)

    def running(self) -> list[str]:
        with self._lock:
            return [local.run_id for local in self._runs if local.run_id is not None]

    def shutdown(self, timeout: float = 30.0) -> None:
        """Ask every local run to stop at its batch boundary and wait for the threads."""
        with self._lock:
            runs = list(self._runs)
        for local in runs:
            local.stop_event.set()
        for local in runs:
            if local.thread is not None:
                local.thread.join(timeout)
