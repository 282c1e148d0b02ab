"""Predicting limits BLAS to one thread; predictions do not depend on thread count or batch shape.

What the product relies on is asserted on any x86-64 CPU: the same labels, and scores equal
within ``SCORE_TOLERANCE``. Bit-for-bit equality of floats is not asserted: OpenBLAS picks its
kernel by CPU model and thread count, and a different kernel may sum in a different order.
"""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from convosift.ml import Prediction, TextClassifier
from convosift.ml.blas import use_one_blas_thread

# Scores are rounded to six decimals; summation order moves a float32 product by far less than this.
SCORE_TOLERANCE = 1e-5

TRAINING = {
    "billing": ["refund my payment", "charged twice on my card", "invoice shows the wrong amount"],
    "login": ["reset my password", "cannot sign in", "two factor code never arrives"],
    "crash": ["the app crashes on start", "blank screen after the update", "error 500 on the dashboard"],
}
QUERIES = [
    "refund please, I paid twice",
    "I can't log in since yesterday",
    "the page crashes whenever I open it",
    "my invoice is wrong",
    "password reset link expired",
    "white screen after updating the app",
] * 9


@pytest.fixture(scope="module")
def engine() -> TextClassifier:
    texts = [text for examples in TRAINING.values() for text in examples]
    labels = [label for label, examples in TRAINING.items() for _ in examples]
    return TextClassifier().fit(texts, labels)


def _assert_same_predictions(actual: list[Prediction], expected: list[Prediction]) -> None:
    assert [p.label for p in actual] == [p.label for p in expected]
    for field in ("confidence", "similarity", "match_score", "agreement"):
        assert [getattr(p, field) for p in actual] == pytest.approx(
            [getattr(p, field) for p in expected], abs=SCORE_TOLERANCE
        ), field


def test_predicting_leaves_one_blas_thread(engine: TextClassifier) -> None:
    engine.predict(["refund please"])
    numpy_blas = [
        pool for pool in threadpool_info() if pool["user_api"] == "blas" and "numpy" in pool["filepath"]
    ]
    assert numpy_blas
    assert all(pool["num_threads"] == 1 for pool in numpy_blas)


def test_predictions_do_not_depend_on_the_thread_count(engine: TextClassifier) -> None:
    use_one_blas_thread()
    single = engine.predict(QUERIES, threshold=0.0)
    with threadpool_limits(limits=2, user_api="blas"):
        threaded = engine.predict(QUERIES, threshold=0.0)
    _assert_same_predictions(threaded, single)


@pytest.mark.parametrize("rows", [1, 7, 50])
def test_predictions_do_not_depend_on_the_batch_shape(engine: TextClassifier, rows: int) -> None:
    whole = engine.predict(QUERIES, threshold=0.0)
    chunked = [
        p
        for start in range(0, len(QUERIES), rows)
        for p in engine.predict(QUERIES[start : start + rows], threshold=0.0)
    ]
    _assert_same_predictions(chunked, whole)
