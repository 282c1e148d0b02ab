"""A linear classifier whose scores are probabilities one can put a threshold on.

A linear SVM measured best on intent data (accuracy and training time), but its decision values
are not probabilities. Platt scaling fitted on held-out folds (``CalibratedClassifierCV``) turns
them into calibrated per-class probabilities. With fewer than two examples of some label no fold
can hold one out, so the fallback is a softmax over the decision values: usable for ranking and
thresholds, not calibrated.
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

    def predict_proba(self, matrix: Any) -> npt.NDArray[np.float64]:
        import numpy as np

        scores = np.asarray(self._model.decision_function(matrix), dtype=np.float64)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores * 4.0)
        result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
        return result


def fit_probabilistic(matrix: Any, labels: Sequence[str], *, c: float, folds: int, seed: int) -> Any:
    """Fit a model exposing ``classes_`` and ``predict_proba`` on the feature matrix."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    counts = Counter(labels)
    base = LinearSVC(C=c, random_state=seed)
    smallest = min(counts.values())
    if folds >= 2 and smallest >= 2:
        splitter = StratifiedKFold(n_splits=min(folds, smallest), shuffle=True, random_state=seed)
        return CalibratedClassifierCV(base, method="sigmoid", cv=splitter).fit(matrix, list(labels))
    return SoftmaxLinear(base.fit(matrix, list(labels)))
