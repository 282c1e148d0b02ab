"""Python's cyclic garbage collector, kept out of a run's way.

A run allocates millions of short-lived objects (decoded JSON, messages, feature rows) beside a
few hundred thousand long-lived ones (the loaded models, imported modules). With CPython's default
thresholds the collector runs about a thousand times per 6,000 conversations, and each of its
full collections walks every long-lived object again: a tenth of a backfill's time on the
interpreter lock, measured with ``gc.callbacks`` (docs/benchmarks.md).

While a run executes, :func:`quiet_collector` moves the objects that exist at its start out of the
collector's sight (:func:`gc.freeze`) and collects the youngest generation every
:data:`YOUNG_THRESHOLD` allocations instead of 700. Reference counting still frees what a run
drops at once; only garbage in cycles waits a little longer. Both are undone when the last run of
the process ends, so a long-lived API server does not keep frozen objects for good.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000
"""Net allocations between two collections of the youngest generation during a run."""


class _Quiet:
    """How many runs are executing in this process, and the thresholds to restore after the last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.saved: tuple[int, ...] = ()


_state = _Quiet()


@contextmanager
def quiet_collector() -> Iterator[None]:
    """Freeze what exists now and collect less often until the last concurrent run ends."""
    with _state.lock:
        if _state.active == 0:
            _state.saved = gc.get_threshold()
            # Frozen garbage is not lost: it is collected after the unfreeze that ends the last run.
            gc.freeze()
            gc.set_threshold(max(YOUNG_THRESHOLD, _state.saved[0]), *_state.saved[1:])
        _state.active += 1
    try:
        yield
    finally:
        with _state.lock:
            _state.active -= 1
            if _state.active == 0:
                gc.set_threshold(*_state.saved)
                gc.unfreeze()
