"""Runs as jobs on a PostgreSQL task queue (procrastinate), executed by `convosift worker`.

A job runs the same batch loop as `convosift backfill` and `convosift sync`, so checkpoints,
resume and takeover keep their guarantees; the queue adds where and when runs happen: one job
per source at a time (a per-source lock), retries, a worker killed mid-run taken over by
another, and scheduled syncs of sources with ``sync_every``.
"""

from convosift.workers.queue import JobCounts, enqueue_run, queue_status

__all__ = ["JobCounts", "enqueue_run", "queue_status"]
