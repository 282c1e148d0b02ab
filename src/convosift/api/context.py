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
from convosift.errors import UnknownValueError
from convosift.pipeline.known_values import source_problem
from convosift.pipeline.service import Service
from convosift.pipeline.stages import source_name
from convosift.source_selection import select_source
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

    def run_components(self, settings: Settings | None = None) -> dict[str, Any]:
        """Fresh source and analyzer for one run (``None`` lets the pipeline build its defaults)."""
        chosen = settings or self.settings
        return {
            "source": self.source_factory(chosen) if self.source_factory else None,
            "analyzer": self.analyzer_factory(chosen) if self.analyzer_factory else None,
        }

    def source_service(self, name: str | None) -> Service:
        """A service acting on one source (``name``, else the only one), over the app's store."""
        chosen = select_source(self.settings, name)
        if chosen is self.settings:
            return self.service
        return Service(chosen, self.store())

    def source_filter(self, name: str | None) -> str | None:
        """The stored source name a ``?source=`` filter means (checked), or None for every source.

        A configured source, or one whose conversations are stored (a source since removed from
        the settings); anything else is refused with the names it resembles."""
        if name is None:
            return None
        if name in self.settings.sources or (not self.settings.sources and name == self.settings.source):
            return source_name(select_source(self.settings, name))
        problem = source_problem(self.store(), name, self.settings)
        if problem:
            raise UnknownValueError(problem, hint="use a known source, or leave the filter out")
        return name

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
