"""Tasks left behind when the staged loop ends early: collected from its queues and cancelled."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any


def pending_tasks(queue: asyncio.Queue[Any]) -> list[asyncio.Task[Any]]:
    """The tasks of the batches still waiting in ``queue`` (a batch carries one task or a list)."""
    tasks: list[asyncio.Task[Any]] = []
    while not queue.empty():
        item = queue.get_nowait()
        if isinstance(item, tuple):
            tasks.extend(item[1] if isinstance(item[1], list) else [item[1]])
    return tasks


async def cancel(tasks: Sequence[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until each has ended, whatever it raised."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
