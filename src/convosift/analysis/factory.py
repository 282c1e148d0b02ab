"""Build the analyzer the settings ask for.

``local`` (the default) composes the embedded category classifier and the local theme matcher;
``llm`` answers category, theme and evidence in one call per conversation through any
OpenAI-compatible endpoint, with results cached in the database; ``none`` marks every
conversation unclassified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from convosift.config import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from convosift.analysis.base import Analyzer
    from convosift.store.database import Store


def build_analyzer(settings: Settings, store: Store | None = None) -> Analyzer:
    """The analyzer ``settings.classifier`` names. With ``store``, the LLM backend caches its
    answers there and the local matcher reads the inbox's other topics from it."""
    if settings.classifier == "none":
        from convosift.analysis.base import NullAnalyzer

        return NullAnalyzer()
    if settings.classifier == "llm":
        from convosift.analysis.cache import MemoryCache
        from convosift.analysis.llm import build_llm_analyzer
        from convosift.store.cache import DatabaseCache

        cache = DatabaseCache(store) if store is not None else MemoryCache()
        return build_llm_analyzer(settings, cache)
    from convosift.analysis.local import build_local_analyzer

    return build_local_analyzer(settings, store)


def load_models(settings: Settings, store: Callable[[], Store] | None = None) -> None:
    """Load (or train, on first use) the local models ``settings`` asks for, in this thread;
    ``store`` opens the database whose discovery proposals the theme matcher is contrasted with.

    A run calls it before it starts: the models then come from the process's memory when the
    run's analyzer needs them, so the run's first batch, its duration and its ETA do not carry the
    load. For the LLM backend it imports the OpenAI SDK (about 0.4 s), which would otherwise hold
    the first calls back.
    """
    if settings.classifier == "local":
        from convosift.analysis.local import build_local_analyzer
        from convosift.themes.vocabulary import load_vocabulary_for

        # The store is opened only for a vocabulary to contrast with the inbox's other topics:
        # settings found invalid later must not have created a database.
        themed = settings.themes_contrast_proposals and bool(load_vocabulary_for(settings).active)
        build_local_analyzer(settings, store() if store is not None and themed else None).warm_up()
    elif settings.classifier == "llm":
        import openai  # noqa: F401 - imported once, before the run's clock starts
