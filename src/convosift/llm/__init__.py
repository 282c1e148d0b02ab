"""The OpenAI-compatible chat client and the redaction of personal data before text leaves."""

from convosift.llm.client import (
    ChatClient,
    RejectedCallError,
    RetriableCallError,
    backoff_delay,
    translate_error,
)
from convosift.llm.redact import redact

__all__ = [
    "ChatClient",
    "RejectedCallError",
    "RetriableCallError",
    "backoff_delay",
    "redact",
    "translate_error",
]
