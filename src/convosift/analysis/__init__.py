"""The analyzer a batch calls: a category and a theme for each kept conversation.

``local`` composes the embedded category classifier and the local theme matcher; ``llm`` answers
both in one call per conversation. Built from settings by :func:`build_analyzer`.
"""

from convosift.analysis.base import Analyzer, NullAnalyzer

__all__ = ["Analyzer", "NullAnalyzer"]
