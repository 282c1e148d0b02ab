"""The stored Platt sigmoids predict exactly what scikit-learn's calibrated classifier predicts."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold

from convosift.ml.calibration import PlattScaledLinear, fit_probabilistic
from convosift.ml.embeddings import EMBEDDING_DIM
from convosift.ml.features import FeatureBuilder, FeatureParams
from convosift.ml.linear import CentroidLinearSVC

EXAMPLES = {
    "billing": ["charged twice on my card", "refund my last payment", "where is my invoice", "price went up"],
    "login": ["forgot my password", "cannot sign in", "two factor code missing", "account locked"],
    "crash": [
        "app crashes on settings",
        "blank screen after update",
        "error 500 on dashboard",
        "page freezes",
    ],
}
QUERIES = [
    "refund the double charge",
    "I can't log in",
    "it crashed again",
    "banana bread recipe",
    "",
    "invoice password crash",
]


def _calibrated(labels_wanted: list[str]) -> tuple[CalibratedClassifierCV, FeatureBuilder]:
    texts = [text for label in labels_wanted for text in EXAMPLES[label]]
    labels = [label for label in labels_wanted for _ in EXAMPLES[label]]
    features = FeatureBuilder(FeatureParams())
    matrix, _ = features.fit_transform(texts)
    base = CentroidLinearSVC(centroid_weight=2.0, dense_columns=EMBEDDING_DIM, dense_scale=2.0)
    splitter = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    calibrated = CalibratedClassifierCV(base, method="sigmoid", cv=splitter, ensemble=False)
    return calibrated.fit(matrix, labels), features


@pytest.mark.parametrize(
    "labels", [["billing", "login", "crash"], ["billing", "login"]], ids=["three", "two"]
)
def test_probabilities_equal_scikit_learns(labels: list[str]) -> None:
    calibrated, features = _calibrated(labels)
    matrix, _ = features.transform(QUERIES)
    fast = PlattScaledLinear(calibrated)
    expected = calibrated.predict_proba(matrix)
    assert list(fast.classes_) == list(calibrated.classes_)
    # Same formula, other summation order (one matrix product instead of one per class): equal
    # within a tolerance far below the six decimals a stored confidence keeps.
    assert np.allclose(fast.predict_proba(matrix), expected, rtol=0, atol=1e-6)
    assert np.allclose(pickle.loads(pickle.dumps(fast)).predict_proba(matrix), expected, rtol=0, atol=1e-6)


def test_fit_keeps_only_the_sigmoids_when_folds_are_possible() -> None:
    matrix, _ = FeatureBuilder(FeatureParams()).fit_transform(EXAMPLES["billing"] + EXAMPLES["login"])
    labels = ["billing"] * 4 + ["login"] * 4
    model = fit_probabilistic(matrix, labels, c=1.0, folds=3, seed=0)
    assert isinstance(model, PlattScaledLinear)
    assert model.predict_proba(matrix).argmax(axis=1).tolist() == [0] * 4 + [1] * 4
