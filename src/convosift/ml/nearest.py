"""Exact nearest neighbours of sentence vectors, by blocks of rows (bounded memory)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

BLOCK = 256
"""Rows compared with all the others at once: for 30,000 vectors, arrays of 256 x 30,000 numbers,
about 60 MB each of eight bytes (keys, offsets, the partition) and 30 MB of similarities."""


def nearest_neighbours(
    vectors: NDArray[np.float32], count: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """For each of ``vectors``, the indexes of its ``count`` nearest vectors by cosine, itself
    first, and their cosine distances (1 - cosine, within [0, 2]).

    Similarities are rounded to millionths before ranking, so that sums differing in their last
    bits (another CPU) seldom rank differently. Equal ones go to the indexes that follow the row's
    own, wrapping round: copies of one text then link each to the next ones, in a ring, where
    "the lowest index first" made every copy point at the same few and left the others with no
    neighbour pointing at them (one in seven of 30,000 synthetic conversations fell out of discovery's
    clusters). A vector comes first in its own list even when it has duplicates."""
    import numpy as np

    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    size = len(vectors)
    count = min(count, size)
    indices = np.empty((size, count), dtype=np.int64)
    distances = np.empty((size, count), dtype=np.float32)
    positions = np.arange(size, dtype=np.int64)
    for start in range(0, size, BLOCK):
        rows = np.arange(start, min(start + BLOCK, size))
        similarity = vectors[rows] @ vectors.T
        # The rank key, smallest first: the similarity in millionths, then how far the index lies
        # after the row's own. Every key is distinct; integers rank fast.
        key = np.rint(similarity * -1e6).astype(np.int64)
        key *= size
        offset = positions[None, :] - rows[:, None]
        offset[offset < 0] += size
        key += offset
        key[np.arange(len(rows)), rows] = np.iinfo(np.int64).min
        few = np.argpartition(key, count - 1, axis=1)[:, :count]
        order = np.argsort(np.take_along_axis(key, few, axis=1), axis=1)
        indices[rows] = np.take_along_axis(few, order, axis=1)
        nearest = np.minimum(np.take_along_axis(similarity, indices[rows], axis=1), 1.0)
        nearest[:, 0] = 1.0
        distances[rows] = np.clip(1.0 - nearest, 0.0, 2.0)
    return indices, distances
