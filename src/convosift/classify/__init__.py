"""Classification of conversations into categories, and the stage interface shared with themes."""

from convosift.classify.base import Analyzer, NullAnalyzer

__all__ = ["Analyzer", "NullAnalyzer"]
