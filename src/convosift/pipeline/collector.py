"""Python's cyclic garbage collector, kept out of a run's way.

A run allocates millions of short-lived objects (decoded JSON, messages, feature rows) beside a
few hundred thousand long-lived ones (the loaded models, imported modules). With CPython's default
thresholds the collector runs about 470 times per 6,000 conversations, and each of its full
collections walks every long-lived object again: 0.6 to 0.8 s of a backfill that holds the
interpreter lock for about 9 s, measured with ``gc.callbacks`` (docs/benchmarks.md).

While a run executes, :func:`quiet_collector` moves the objects that exist at its start out of the
collector's sight (:func:`gc.freeze`) and collects the youngest generation every
:data:`YOUNG_THRESHOLD` allocations instead of 700. Reference counting still frees what a run
drops at once; only garbage in cycles waits. When the last run of the process ends, the objects
are unfrozen, the thresholds restored and one full collection frees the cycles that runs left
(an engine, an event loop), so a worker or API server that runs one sync after another does not
grow.

The process's own choices are kept: with the collector disabled nothing changes, objects frozen
before the first run stay frozen (nothing is frozen or unfrozen then), and thresholds changed by
something else during a run are not reverted.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000
"""Net allocations between two collections of the youngest generation during a run."""


class _Quiet:
    """The runs executing in this process, and what the first one changed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.saved: tuple[int, ...] | None = None
        """The thresholds before the first run, when it raised them."""
        self.set_to: tuple[int, ...] = ()
        self.froze = False


_state = _Quiet()


@contextmanager
def quiet_collector() -> Iterator[None]:
    """Freeze what exists now and collect less often until the last concurrent run ends."""
    with _state.lock:
        if _state.active == 0:
            _enter()
        _state.active += 1
    try:
        yield
    finally:
        with _state.lock:
            _state.active -= 1
            if _state.active == 0:
                _leave()


def _enter() -> None:
    _state.saved, _state.froze = None, False
    thresholds = gc.get_threshold()
    if not gc.isenabled() or thresholds[0] == 0:
        return  # the process manages its collector itself
    if gc.get_freeze_count() == 0:
        gc.freeze()
        _state.froze = True
    if thresholds[0] < YOUNG_THRESHOLD:
        _state.saved = thresholds
        _state.set_to = (YOUNG_THRESHOLD, *thresholds[1:])
        gc.set_threshold(*_state.set_to)


def _leave() -> None:
    if _state.saved is not None and gc.get_threshold() == _state.set_to:
        gc.set_threshold(*_state.saved)
    if _state.froze:
        gc.unfreeze()
        # What the runs left in cycles, and what was garbage when the first one froze it.
        gc.collect()
    _state.saved, _state.froze = None, False
