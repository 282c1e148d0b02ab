"""The OpenAI-compatible chat client, its adaptive concurrency, and the redaction of personal data."""

from convosift.llm.client import ChatClient, backoff_delay, translate_error
from convosift.llm.concurrency import AdaptiveLimiter
from convosift.llm.redact import redact

__all__ = [
    "AdaptiveLimiter",
    "ChatClient",
    "backoff_delay",
    "redact",
    "translate_error",
]
