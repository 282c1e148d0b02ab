"""Exact nearest neighbours of unit vectors, by blocks of rows (bounded memory)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

BLOCK = 512
"""Rows compared with all the others at once: 512 x 30,000 similarities take 60 MB."""


def nearest_neighbours(
    vectors: NDArray[np.float32], count: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """For each of ``vectors`` (unit length), the indexes of its ``count`` nearest vectors by
    cosine, itself first, and their cosine distances (1 - cosine, within [0, 2]).

    Similarities are rounded to six decimals before ranking, so that sums differing in their last
    bits (another CPU) rank alike, and ties go to the lower index; a vector comes first in its own
    list even when it has duplicates."""
    import numpy as np

    count = min(count, len(vectors))
    indices = np.empty((len(vectors), count), dtype=np.int64)
    distances = np.empty((len(vectors), count), dtype=np.float32)
    for start in range(0, len(vectors), BLOCK):
        rows = np.arange(start, min(start + BLOCK, len(vectors)))
        similarity = np.round(vectors[rows] @ vectors.T, 6)
        similarity[np.arange(len(rows)), rows] = 2.0
        few = np.argpartition(-similarity, count - 1, axis=1)[:, :count]
        order = np.lexsort((few, -np.take_along_axis(similarity, few, axis=1)), axis=1)
        indices[rows] = np.take_along_axis(few, order, axis=1)
        nearest = np.minimum(np.take_along_axis(similarity, indices[rows], axis=1), 1.0)
        distances[rows] = np.clip(1.0 - nearest, 0.0, 2.0)
    return indices, distances
