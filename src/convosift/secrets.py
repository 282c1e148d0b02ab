"""Keep secrets out of every string convosift writes.

Settings register each secret value here when they are loaded; :func:`scrub` replaces any
registered value (and bearer-style tokens in general) before a message reaches a log line,
an error, the database or an API response.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
_MIN_SECRET_LENGTH = 4
_lock = threading.Lock()
_secrets: set[str] = set()
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{4,}")
_KEY_PARAM = re.compile(r"(?i)((?:api[_-]?key|access[_-]?token|token)=)[^&\s\"']+")


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`scrub` masks it from now on."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """Return ``text`` with every registered secret and bearer token masked."""
    if not text:
        return text
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    return _KEY_PARAM.sub(rf"\g<1>{MASK}", text)
