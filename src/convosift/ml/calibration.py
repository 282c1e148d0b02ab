"""A linear classifier whose scores are probabilities one can put a threshold on.

A linear SVM measured best on intent data (accuracy and training time), but its decision values
are not probabilities. Platt scaling turns them into calibrated per-class probabilities: the
sigmoids are fitted on decision values of held-out folds, and the model that predicts is one SVM
trained on all the data (``CalibratedClassifierCV(ensemble=False)``; averaging the fold models
instead, each trained on two thirds of the data, scored 0.4 points lower on BANKING77
validation). With fewer than two examples of some label no fold can hold one out, so the fallback
is a softmax over the decision values: usable for ranking and thresholds, not calibrated.

Only the fitted numbers are kept for prediction (:class:`PlattScaledLinear`): scikit-learn's
``predict_proba`` applies its per-class sigmoids one by one, validating the input of each, which
costs milliseconds per call whatever the batch size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


class SoftmaxLinear:
    """A fitted linear SVM with softmax-normalised decision values."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.classes_ = model.classes_

    def decision_function(self, matrix: Any) -> npt.NDArray[np.float64]:
        return _per_class(self._model.decision_function(matrix))

    def predict_proba(self, matrix: Any) -> npt.NDArray[np.float64]:
        return self.scores_and_probabilities(matrix)[1]

    def scores_and_probabilities(
        self, matrix: Any
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``decision_function`` and ``predict_proba`` from one product of the matrix and the model."""
        import numpy as np

        raw = self.decision_function(matrix)
        scores = raw - raw.max(axis=1, keepdims=True)
        exp = np.exp(scores * 4.0)
        result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return raw, result


class PlattScaledLinear:
    """The linear SVM and per-class sigmoids of a fitted ``CalibratedClassifierCV(ensemble=False)``.

    ``predict_proba`` does the same arithmetic as scikit-learn's, in the same order, on all
    classes at once. One product for all classes may sum in another order than one per class, so
    the probabilities are equal within 1e-6 (a test compares them), not always to the last bit.
    """

    def __init__(self, calibrated: Any) -> None:
        import numpy as np

        (fitted,) = calibrated.calibrated_classifiers_
        self._model = fitted.estimator
        self.classes_ = calibrated.classes_
        # With ensemble=False the model is trained on every label, so its classes (sorted, as
        # scikit-learn keeps them) are the calibrated classes: sigmoid i belongs to column i.
        self._slopes = np.array([sigmoid.a_ for sigmoid in fitted.calibrators], dtype=np.float64)
        self._intercepts = np.array([sigmoid.b_ for sigmoid in fitted.calibrators], dtype=np.float64)

    def decision_function(self, matrix: Any) -> npt.NDArray[np.float64]:
        """The SVM's scores, one column per label (two labels: ``-score, score``)."""
        return _per_class(self._model.decision_function(matrix))

    def predict_proba(self, matrix: Any) -> npt.NDArray[np.float64]:
        return self.scores_and_probabilities(matrix)[1]

    def scores_and_probabilities(
        self, matrix: Any
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``decision_function`` and ``predict_proba`` from one product of the matrix and the model."""
        import numpy as np
        from scipy.special import expit

        scores = np.asarray(self._model.decision_function(matrix), dtype=np.float64)
        if scores.ndim == 1:
            # Two labels: one score and one sigmoid, for classes_[1].
            positive = expit(-(self._slopes[0] * scores + self._intercepts[0]))
            probabilities: npt.NDArray[np.float64] = np.column_stack([1.0 - positive, positive])
        else:
            sigmoids = expit(-(self._slopes * scores + self._intercepts))
            total = np.sum(sigmoids, axis=1)[:, np.newaxis]
            # A row whose sigmoids all underflow to zero gets the uniform distribution.
            uniform = np.full_like(sigmoids, 1 / len(self.classes_))
            probabilities = np.divide(sigmoids, total, out=uniform, where=total != 0)
        probabilities[(probabilities > 1.0) & (probabilities <= 1.0 + 1e-5)] = 1.0
        return _per_class(scores), probabilities


def _per_class(scores: Any) -> npt.NDArray[np.float64]:
    """Decision values as one column per label: a binary SVM's single score becomes two."""
    import numpy as np

    result: npt.NDArray[np.float64] = np.asarray(scores, dtype=np.float64)
    return np.column_stack([-result, result]) if result.ndim == 1 else result


def fit_probabilistic(
    matrix: Any,
    labels: Sequence[str],
    *,
    c: float,
    folds: int,
    seed: int,
    centroid_weight: float = 0.0,
    dense_columns: int = 0,
    dense_scale: float = 1.0,
) -> Any:
    """Fit a model exposing ``classes_`` and ``predict_proba`` on the feature matrix.

    ``centroid_weight``, ``dense_columns`` and ``dense_scale`` configure the pull towards each
    label's mean sentence vector (see :class:`~convosift.ml.linear.CentroidLinearSVC`).
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold

    from convosift.ml.linear import CentroidLinearSVC

    counts = Counter(labels)
    base = CentroidLinearSVC(
        c=c,
        centroid_weight=centroid_weight,
        dense_columns=dense_columns,
        dense_scale=dense_scale,
        random_state=seed,
    )
    smallest = min(counts.values())
    if folds >= 2 and smallest >= 2:
        splitter = StratifiedKFold(n_splits=min(folds, smallest), shuffle=True, random_state=seed)
        calibrated = CalibratedClassifierCV(base, method="sigmoid", cv=splitter, ensemble=False)
        return PlattScaledLinear(calibrated.fit(matrix, list(labels)))
    return SoftmaxLinear(base.fit(matrix, list(labels)))
