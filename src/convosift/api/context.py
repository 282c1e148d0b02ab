"""What every route needs from the app: settings, the run launcher and the injectable factories."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from convosift.analysis.base import Analyzer
from convosift.api.launcher import RunLauncher
from convosift.config import Settings
from convosift.pipeline.service import Service
from convosift.sources.base import Source
from convosift.store import Store

SourceFactory = Callable[[Settings], Source]
AnalyzerFactory = Callable[[Settings], Analyzer]


@dataclass
class AppContext:
    settings: Settings
    source_factory: SourceFactory | None = None
    analyzer_factory: AnalyzerFactory | None = None
    launcher: RunLauncher = field(default_factory=RunLauncher)
    _service: Service | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def run_components(self) -> dict[str, Any]:
        """Fresh source and analyzer for one run (``None`` lets the pipeline build its defaults)."""
        return {
            "source": self.source_factory(self.settings) if self.source_factory else None,
            "analyzer": self.analyzer_factory(self.settings) if self.analyzer_factory else None,
        }

    @property
    def service(self) -> Service:
        """The app's service; its store is opened on first use and lives with the app."""
        with self._lock:
            if self._service is None:
                self._service = Service(self.settings)
            return self._service

    def store(self) -> Store:
        """The store the read routes query."""
        return self.service.store

    def close(self) -> None:
        self.launcher.shutdown()
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context
