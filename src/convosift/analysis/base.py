"""The classify-and-match stage interface.

The pipeline hands a batch of kept conversations to an :class:`Analyzer` and gets one
:class:`~convosift.domain.Analysis` (category + theme) per conversation, in order. The local
backend composes the embedded classifier and theme matcher; the LLM backend answers both in one
call per conversation. A failure for one conversation is an ``Analysis`` with status ``failed``,
never an exception and never a guessed category.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from convosift.domain import Analysis, Classification, ClassificationStatus, Conversation, ThemeMatch


@runtime_checkable
class Analyzer(Protocol):
    name: str
    """Identity of the backend and its model/taxonomy version, e.g. ``local:3f2a9c``."""

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]: ...

    async def aclose(self) -> None: ...


class NullAnalyzer:
    """Marks every conversation ``unclassified`` and unmatched (for runs without a classifier)."""

    name = "none"

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        return [
            Analysis(
                classification=Classification(status=ClassificationStatus.UNCLASSIFIED, classifier=self.name),
                theme=ThemeMatch(signature=None, matcher=self.name),
            )
            for _ in conversations
        ]

    async def aclose(self) -> None:
        return None
