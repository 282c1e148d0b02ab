"""One BLAS thread for the process once the local models predict.

Prediction multiplies small matrices: a batch of sentence vectors by a few hundred training
vectors or theme centroids. OpenBLAS splits even these across its worker threads, which then
spin-wait for more work; on a machine with few cores, shared with the pipeline's other work, that
costs far more CPU than the products themselves. Measured on two busy cores, a 50 x 256 by
256 x 450 product cost tens of times more CPU with two threads than with one, and each call left
the workers spinning for tens of milliseconds: a fixed cost per batch that made small batches much
slower per conversation than large ones.

The limit is set once and kept: lowering it around each call and raising it afterwards woke the
workers again and cost as much as not limiting at all. The thread count may change the order in
which OpenBLAS sums (it depends on the kernel, so on the CPU): labels stay the same and scores
stay within 1e-5, which a test checks across thread counts and batch shapes.
"""

from __future__ import annotations

import functools


@functools.cache
def use_one_blas_thread() -> None:
    """Limit the BLAS libraries loaded so far (numpy's among them) to one thread, for good."""
    # threadpoolctl only sees the libraries already loaded: numpy's BLAS must be among them.
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
