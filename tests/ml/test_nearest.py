"""Exact nearest neighbours, the ones discovery gives UMAP."""

from __future__ import annotations

import numpy as np
import pytest

from convosift.ml import nearest
from convosift.ml.nearest import nearest_neighbours


def _unit(rows: int, seed: int = 3) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, 16)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_neighbours_are_the_nearest_by_cosine_each_row_first_in_its_own_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nearest, "BLOCK", 7)  # several blocks, the last one short
    vectors = _unit(40)
    indices, distances = nearest_neighbours(vectors, 5)
    assert indices.shape == distances.shape == (40, 5)
    assert (indices[:, 0] == np.arange(40)).all() and np.allclose(distances[:, 0], 0.0)
    similarity = vectors @ vectors.T
    for row in range(40):
        others = [i for i in np.argsort(-similarity[row], kind="stable") if i != row][:4]
        assert list(indices[row, 1:]) == others
        assert np.allclose(distances[row, 1:], 1.0 - similarity[row, others], atol=1e-5)
    assert (np.diff(distances, axis=1) >= 0).all()


def test_copies_of_a_vector_link_each_to_the_next_ones_in_a_ring() -> None:
    """With "the lowest index first", every copy pointed at the same few and the others had no
    neighbour pointing at them: one in seven of a synthetic inbox fell out of discovery's clusters."""
    base = _unit(6)
    vectors = np.vstack([base, base[2], base[2]])  # rows 2, 6 and 7 are the same vector
    indices, _ = nearest_neighbours(vectors, 3)
    assert list(indices[2]) == [2, 6, 7] and list(indices[6]) == [6, 7, 2] and list(indices[7]) == [7, 2, 6]
    # More copies than places, the last place contested too: the next copies take them.
    copies = np.vstack([base, np.repeat(base[4:5], 7, axis=0)])  # rows 4 and 6 to 12
    indices, distances = nearest_neighbours(copies, 3)
    assert (
        list(indices[10]) == [10, 11, 12]
        and list(indices[12]) == [12, 4, 6]
        and list(indices[4]) == [4, 6, 7]
    )
    assert np.allclose(distances[10], 0.0, atol=1e-6)
    pointed_at = set(indices[[4, *range(6, 13)], 1:].ravel())
    assert pointed_at == {4, *range(6, 13)}


def test_vectors_of_any_length_are_compared_by_direction() -> None:
    vectors = _unit(12)
    indices, distances = nearest_neighbours(vectors * np.arange(1, 13)[:, None], 4)
    expected_indices, expected_distances = nearest_neighbours(vectors, 4)
    assert (indices == expected_indices).all() and np.allclose(distances, expected_distances, atol=1e-6)


def test_asking_for_more_neighbours_than_vectors_gives_them_all() -> None:
    indices, distances = nearest_neighbours(_unit(3), 15)
    assert indices.shape == distances.shape == (3, 3) and sorted(indices[1]) == [0, 1, 2]
