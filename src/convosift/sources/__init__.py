"""Where conversations come from: the :class:`Source` protocol and its adapters."""

from convosift.sources.base import DetailResult, Source

__all__ = ["DetailResult", "Source"]
