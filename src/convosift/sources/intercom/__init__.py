"""The Intercom REST API as a :class:`~convosift.sources.base.Source`."""

from convosift.sources.intercom.client import (
    IntercomClient,
    RetryPolicy,
    translate_transport_error,
)
from convosift.sources.intercom.clock import SYSTEM_CLOCK, Clock, SystemClock
from convosift.sources.intercom.html import html_to_text
from convosift.sources.intercom.normalize import normalize_conversation
from convosift.sources.intercom.ratelimit import Budget, RateLimiter, shared_limiter
from convosift.sources.intercom.source import IntercomSource, search_body, window_query

__all__ = [
    "SYSTEM_CLOCK",
    "Budget",
    "Clock",
    "IntercomClient",
    "IntercomSource",
    "RateLimiter",
    "RetryPolicy",
    "SystemClock",
    "html_to_text",
    "normalize_conversation",
    "search_body",
    "shared_limiter",
    "translate_transport_error",
    "window_query",
]
