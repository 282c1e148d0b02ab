"""The local analyzer: the embedded category classifier and the local theme matcher together."""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
from collections.abc import Sequence
from typing import TYPE_CHECKING

from convosift.config import Settings
from convosift.domain import Analysis, ClassificationStatus, Conversation

MAX_TEXT_CHARS = 2000
"""Characters of customer text the local models read."""

if TYPE_CHECKING:
    from convosift.classify.categories import LocalCategoryClassifier
    from convosift.themes.matching import LocalThemeMatcher


class LocalAnalyzer:
    """Embedded category classifier + local theme matcher, run off the event loop (CPU work)."""

    def __init__(self, categories: LocalCategoryClassifier, themes: LocalThemeMatcher) -> None:
        self._categories = categories
        self._themes = themes
        self.name = f"local:{themes.name}"

    def warm_up(self) -> None:
        """Train or load both models now, so the first batch does not pay for it."""
        self._categories.classify(["warm up"])
        self._themes.match_texts(["warm up"])

    def _analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        # The issue is stated early; long threads only add noise and cost (embedding pads to the longest).
        texts = [c.customer_text[:MAX_TEXT_CHARS] for c in conversations]
        classifications = self._categories.classify(texts)
        categories = [
            c.category if c.status is ClassificationStatus.CLASSIFIED else None for c in classifications
        ]
        matches = self._themes.match(conversations, categories)
        return [
            Analysis(classification=classification, theme=match)
            for classification, match in zip(classifications, matches, strict=True)
        ]

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        if not conversations:
            return []
        return await asyncio.to_thread(self._analyze, conversations)

    async def aclose(self) -> None:
        return None


class ProcessLocalAnalyzer:
    """The local analyzer in a child process: the models' CPU work runs beside the pipeline's.

    In one process, fetching, parsing, the quality filter, the models and the database commit
    share one interpreter lock; in a child, the models use a second core while the parent fetches
    and commits. The child loads the models when it starts (while the first batches are fetched)
    and ends with the run; batches go to it one at a time, as to the in-process analyzer.
    """

    def __init__(self, settings: Settings) -> None:
        from convosift.themes.vocabulary import load_vocabulary_for

        self._settings = settings
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.name = f"local:local-themes:{load_vocabulary_for(settings).content_hash}"

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            # spawn: the parent has threads (the database, the event loop's helpers) a fork would copy.
            context = multiprocessing.get_context("spawn")
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=_start_child, initargs=(self._settings,)
            )
            self._pool.submit(_warm_child)
        return self._pool

    def warm_up(self) -> None:
        self._executor().submit(_warm_child).result()

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        if not conversations:
            return []
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor(), _analyze_in_child, list(conversations))

    async def aclose(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


_CHILD: LocalAnalyzer | None = None


def _start_child(settings: Settings) -> None:
    global _CHILD  # noqa: PLW0603 - one analyzer per child process, built once
    _CHILD = build_local_analyzer(settings)


def _warm_child() -> None:
    if _CHILD is not None:
        _CHILD.warm_up()


def _analyze_in_child(conversations: list[Conversation]) -> list[Analysis]:
    if _CHILD is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("the analysis process was not started")
    return _CHILD._analyze(conversations)


def build_local_analyzer(settings: Settings) -> LocalAnalyzer:
    from convosift.classify.categories import LocalCategoryClassifier
    from convosift.themes.matching import LocalThemeMatcher
    from convosift.themes.vocabulary import load_vocabulary_for

    return LocalAnalyzer(
        LocalCategoryClassifier(settings), LocalThemeMatcher(load_vocabulary_for(settings), settings)
    )
