"""The OpenAI-compatible chat client and the redaction of personal data before text leaves."""

from convosift.llm.client import ChatClient, backoff_delay, translate_error
from convosift.llm.redact import redact

__all__ = [
    "ChatClient",
    "backoff_delay",
    "redact",
    "translate_error",
]
