"""What every route needs from the app: settings, the run launcher and the injectable factories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from convosift.analysis.base import Analyzer
from convosift.api.launcher import RunLauncher
from convosift.config import Settings
from convosift.pipeline import service
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

    def run_components(self) -> dict[str, Any]:
        """Fresh source and analyzer for one run (``None`` lets the pipeline build its defaults)."""
        return {
            "source": self.source_factory(self.settings) if self.source_factory else None,
            "analyzer": self.analyzer_factory(self.settings) if self.analyzer_factory else None,
        }

    def store(self) -> Store:
        """The store the read routes query (opened and migrated on first use, shared per process)."""
        return service.open_store(self.settings)

    def close(self) -> None:
        self.launcher.shutdown()
        # Return pooled connections; the shared store reconnects if it is used again.
        self.store().dispose()


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context
