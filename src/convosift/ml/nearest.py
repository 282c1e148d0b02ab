"""Exact nearest neighbours of sentence vectors, by blocks of rows (bounded memory)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

BLOCK = 256
"""Rows compared with all the others at once: for 30,000 vectors, two arrays of 256 x 30,000
eight-byte numbers (about 60 MB each) and one of four-byte similarities."""
_TIE_STEP = 1e-11
"""Subtracted per index from similarities rounded to six decimals: equal ones rank by index, and
30,000 steps stay under the smallest difference rounding leaves (1e-6)."""


def nearest_neighbours(
    vectors: NDArray[np.float32], count: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """For each of ``vectors``, the indexes of its ``count`` nearest vectors by cosine, itself
    first, and their cosine distances (1 - cosine, within [0, 2]).

    Similarities are rounded to six decimals before ranking, so that sums differing in their last
    bits (another CPU) seldom rank differently, and equal ones go to the lower index; a vector
    comes first in its own list even when it has duplicates."""
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    count = min(count, len(vectors))
    indices = np.empty((len(vectors), count), dtype=np.int64)
    distances = np.empty((len(vectors), count), dtype=np.float32)
    tie_break = np.arange(len(vectors), dtype=np.float64) * _TIE_STEP
    for start in range(0, len(vectors), BLOCK):
        rows = np.arange(start, min(start + BLOCK, len(vectors)))
        similarity = vectors[rows] @ vectors.T
        # The rank key, negated so that the nearest come first; every key is distinct.
        key = np.round(similarity.astype(np.float64), 6)
        key -= tie_break
        np.negative(key, out=key)
        key[np.arange(len(rows)), rows] = -3.0
        few = np.argpartition(key, count - 1, axis=1)[:, :count]
        order = np.argsort(np.take_along_axis(key, few, axis=1), axis=1)
        indices[rows] = np.take_along_axis(few, order, axis=1)
        nearest = np.minimum(np.take_along_axis(similarity, indices[rows], axis=1), 1.0)
        nearest[:, 0] = 1.0
        distances[rows] = np.clip(1.0 - nearest, 0.0, 2.0)
    return indices, distances
