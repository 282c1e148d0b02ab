"""A persistent key-value cache of classification results, shared by every process on the database."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from convosift.store.database import Store
from convosift.store.schema import classification_cache
from convosift.store.upsert import upsert

_CHUNK = 500


class DatabaseCache:
    """``get_many``/``put_many`` over the ``classification_cache`` table (idempotent writes)."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(keys))
        with self._store.read() as conn:
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                query = sa.select(classification_cache.c.key, classification_cache.c.value).where(
                    classification_cache.c.key.in_(chunk)
                )
                found.update({row.key: dict(row.value) for row in conn.execute(query)})
        return found

    def put_many(self, items: Mapping[str, dict[str, Any]]) -> None:
        if not items:
            return
        now = self._clock()
        rows = [{"key": key, "value": value, "created_at": now} for key, value in sorted(items.items())]
        with self._store.write() as conn:
            for start in range(0, len(rows), _CHUNK):
                upsert(conn, classification_cache, rows[start : start + _CHUNK])
