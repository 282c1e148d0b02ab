"""Result cache: never pay twice for a text already analysed the same way.

A key names *what was asked*: the normalised text, the classifier, the model and the version of
everything that shapes the answer (prompt template, taxonomy, vocabulary, redaction). Any change
to one of them yields a new key, so a stale answer is never reused; an unchanged text on a
resume, a re-run or a sync is answered from the cache without a call.

Only successes are cached: a failure is retried by the next run. The persistent implementation
lives in :mod:`convosift.store.cache` (``DatabaseCache``), which every run uses; :class:`MemoryCache`
serves tests and analyzers built without a store, and keeps at most ``max_entries`` answers so a
long-lived process does not grow with what it has analysed.
"""

from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

CachedResult = dict[str, Any]
"""A JSON-able answer as the analyzer stored it."""


@runtime_checkable
class ResultCache(Protocol):
    # Positional-only: implementations may name their parameters as they like.
    def get_many(self, keys: Sequence[str], /) -> dict[str, CachedResult]:
        """The cached results among ``keys`` (missing keys are absent from the result)."""
        ...

    def put_many(self, mapping: Mapping[str, CachedResult], /) -> None:
        """Store results; an existing key is overwritten."""
        ...


MEMORY_CACHE_ENTRIES = 10_000


class MemoryCache:
    """An in-process :class:`ResultCache` (thread-safe; lost when the process ends).

    Holds at most ``max_entries`` answers; the least recently used one makes room for a new one.
    """

    def __init__(self, max_entries: int = MEMORY_CACHE_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._entries: OrderedDict[str, CachedResult] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, CachedResult]:
        with self._lock:
            found = {}
            for key in keys:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    found[key] = dict(self._entries[key])
            return found

    def put_many(self, mapping: Mapping[str, CachedResult]) -> None:
        with self._lock:
            for key, value in mapping.items():
                self._entries[key] = dict(value)
                self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def normalise_text(text: str) -> str:
    """Unicode NFC, whitespace collapsed, trimmed: formatting noise must not change the key."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(text: str) -> str:
    """sha256 of the normalised text (hex)."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def cache_key(content_digest: str, *, classifier: str, model: str, version: str) -> str:
    """The cache key of one text under one classifier, model and prompt/taxonomy/vocabulary version."""
    parts = [content_digest, classifier, model, version]
    # JSON-encoding the parts keeps them apart: ("a|b", "c") and ("a", "b|c") never collide.
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()
