"""Predicting limits BLAS to one thread, which leaves the local models' matrix products unchanged."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from convosift.classify.local import TextClassifier
from convosift.classify.local.blas import use_one_blas_thread


def test_predicting_leaves_one_blas_thread() -> None:
    engine = TextClassifier().fit(
        ["refund my payment", "charged twice", "reset my password", "cannot sign in"],
        ["billing", "billing", "login", "login"],
    )
    engine.predict(["refund please"])
    numpy_blas = [
        pool for pool in threadpool_info() if pool["user_api"] == "blas" and "numpy" in pool["filepath"]
    ]
    assert numpy_blas
    assert all(pool["num_threads"] == 1 for pool in numpy_blas)


def test_products_of_the_prediction_shapes_do_not_depend_on_the_thread_count() -> None:
    use_one_blas_thread()
    generator = np.random.default_rng(7)
    batch = generator.standard_normal((500, 256)).astype(np.float32)
    examples = generator.standard_normal((450, 256)).astype(np.float32)
    with threadpool_limits(limits=2, user_api="blas"):
        threaded = [batch[start : start + rows] @ examples.T for start, rows in ((0, 50), (0, 500))]
    single = [batch[start : start + rows] @ examples.T for start, rows in ((0, 50), (0, 500))]
    assert all(np.array_equal(a, b) for a, b in zip(threaded, single, strict=True))
