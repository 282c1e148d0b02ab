"""The pipeline service as tests call it: ``service.start_run(settings, ...)``.

Tests build settings inline, many per test; this keeps one :class:`Service` (and so one open
store) per database URL for the length of a test, and the autouse fixture in ``conftest.py``
closes them all before the test's database is dropped. The product itself opens a service per
command (CLI) or per app (API) and owns its store.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from convosift.config import Settings
from convosift.pipeline.exports import SKIPPED_COLUMNS, export_format
from convosift.pipeline.service import Progress, Service
from convosift.store import Store

__all__ = ["SKIPPED_COLUMNS", "Progress", "Service", "close_stores", "export_format", "open_store"]

_services: dict[str, Service] = {}
_lock = threading.Lock()


def _service(settings: Settings) -> Service:
    with _lock:
        found = _services.get(settings.database_url)
        if found is None:
            found = _services[settings.database_url] = Service(settings, Store(settings.database_url))
        # The settings of this call (classifier, source...) with the store opened for its URL.
        return Service(settings, found.store)


def open_store(settings: Settings) -> Store:
    return _service(settings).store


def close_stores() -> None:
    with _lock:
        for found in _services.values():
            found.store.dispose()
        _services.clear()


def _method(name: str) -> Callable[..., Any]:
    @functools.wraps(getattr(Service, name))
    def call(settings: Settings, *args: Any, **kwargs: Any) -> Any:
        return getattr(_service(settings), name)(*args, **kwargs)

    return call


create_run = _method("create_run")
start_run = _method("start_run")
execute_run = _method("execute_run")
resume_run = _method("resume_run")
request_stop = _method("request_stop")
run_sync = _method("run_sync")
get_run = _method("get_run")
list_runs = _method("list_runs")
active_runs = _method("active_runs")
get_preview = _method("get_preview")
export_conversations = _method("export_conversations")
export_skipped = _method("export_skipped")
list_skipped = _method("list_skipped")
