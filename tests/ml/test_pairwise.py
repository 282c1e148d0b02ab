"""The pair models: a second opinion among the best one-vs-rest labels."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import sparse

from convosift.ml.pairwise import PairwiseParams, PairwiseRefiner

# Columns: 0 = "about payments" (labels 0 and 1), 1 = "fee" (only label 1), 2 = label 2's topic,
# 3-4 = a dense block (the sentence vector in the real engine).
ROWS = np.array(
    [[1, 0, 0, 0.2, 0.1]] * 6 + [[1, 1, 0, 0.2, 0.1]] * 6 + [[0, 0, 1, -0.3, 0.4]] * 6, dtype=np.float64
)
LABELS = np.array([0] * 6 + [1] * 6 + [2] * 6, dtype=np.int32)


def _fitted(params: PairwiseParams | None = None) -> PairwiseRefiner:
    matrix = sparse.csr_matrix(ROWS)
    scores = np.eye(3)[LABELS]  # stands in for the one-vs-rest scores of the training rows
    return PairwiseRefiner(params or PairwiseParams(candidates=3)).fit(matrix, LABELS, scores, 2)


def test_the_pair_model_overrules_a_narrow_one_vs_rest_lead() -> None:
    refiner = _fitted()
    texts = sparse.csr_matrix(np.array([[1, 1, 0, 0.2, 0.1], [1, 0, 0, 0.2, 0.1]]))
    # The one-vs-rest scores put label 0 just ahead of label 1 for both texts.
    scores = np.array([[0.50, 0.45, -1.0], [0.50, 0.45, -1.0]])
    assert refiner.refine(texts, scores).labels.tolist() == [1, 0]


def test_a_clear_lead_survives_the_votes() -> None:
    refiner = _fitted()
    texts = sparse.csr_matrix(np.array([[1, 1, 0, 0.2, 0.1]]))
    # Votes add at most candidates - 1 to a label: a lead of 5 cannot be overturned.
    assert refiner.refine(texts, np.array([[5.0, 0.0, -1.0]])).labels.tolist() == [0]


def test_the_answer_is_always_one_of_the_candidates() -> None:
    refiner = _fitted(PairwiseParams(candidates=2))
    rng = np.random.default_rng(0)
    texts = sparse.csr_matrix(rng.random((40, 5)))
    scores = rng.normal(size=(40, 3))
    top_two = np.argsort(-scores, axis=1)[:, :2]
    chosen = refiner.refine(texts, scores).labels
    assert all(choice in pair for choice, pair in zip(chosen, top_two, strict=True))


def test_two_labels_or_voting_off_leave_the_argmax() -> None:
    matrix = sparse.csr_matrix(ROWS[:12])
    two = PairwiseRefiner(PairwiseParams()).fit(matrix, LABELS[:12], np.eye(2)[LABELS[:12]], 2)
    off = _fitted(PairwiseParams(candidates=1))
    scores = np.array([[0.5, 0.45], [0.1, 0.9]])
    assert not two.active and not off.active
    assert two.refine(matrix[:2], scores).labels.tolist() == [0, 1]
    assert off.refine(
        sparse.csr_matrix(ROWS[:2]), np.array([[0.5, 0.45, 0], [0, 0.1, 0.2]])
    ).labels.tolist() == [0, 2]


def test_max_pairs_keeps_the_pairs_that_meet_most_and_others_do_not_vote() -> None:
    # Label 0 and 1 always meet among the best two of the training rows; label 2 never meets 0.
    scores = np.array([[1.0, 0.9, 0.0]] * 6 + [[0.9, 1.0, 0.0]] * 6 + [[0.0, 0.5, 1.0]] * 6)
    refiner = PairwiseRefiner(PairwiseParams(candidates=2, max_pairs=1)).fit(
        sparse.csr_matrix(ROWS), LABELS, scores, 2
    )
    assert refiner.active and refiner._weights.shape[0] == 1
    texts = sparse.csr_matrix(np.array([[1, 1, 0, 0.2, 0.1], [0, 0, 1, -0.3, 0.4]]))
    # Text 1: pair (0, 1) is modelled and overrules. Text 2: pair (0, 2) has no model, no vote.
    assert refiner.refine(texts, np.array([[0.5, 0.45, -1.0], [0.5, -1.0, 0.45]])).labels.tolist() == [1, 0]


def test_pruning_keeps_the_dense_block_and_the_largest_sparse_weights() -> None:
    rng = np.random.default_rng(1)
    wide = sparse.random(30, 50, density=0.5, random_state=2, format="csr")
    matrix = sparse.hstack([wide, sparse.csr_matrix(rng.normal(size=(30, 4)))], format="csr")
    labels = np.repeat(np.arange(3, dtype=np.int32), 10)
    refiner = PairwiseRefiner(PairwiseParams(keep_features=5)).fit(matrix, labels, np.eye(3)[labels], 4)
    weights = refiner._weights.toarray()
    assert (np.count_nonzero(weights[:, :50], axis=1) <= 5).all()
    assert (np.count_nonzero(weights[:, 50:], axis=1) == 4).all()


def test_pruning_keeps_exactly_the_largest_weights_and_breaks_ties_by_column() -> None:
    refiner = PairwiseRefiner(PairwiseParams(keep_features=3))
    weights = np.zeros(12)
    weights[[1, 4, 5, 7, 8]] = [0.5, -0.9, 0.2, 0.2, -0.2]  # three weights tie at 0.2 for one place
    weights[10:] = [0.3, 0.0]  # the dense block: kept as it is
    pruned = refiner._pruned(weights, dense_columns=2).toarray().ravel()
    expected = np.zeros(12)
    expected[[1, 4, 5, 10]] = [0.5, -0.9, 0.2, 0.3]
    assert np.array_equal(pruned, expected)
    # Fewer non-zero weights than kept: nothing is cut, and no zero is stored.
    few = np.zeros(12)
    few[[0, 11]] = [1.0, 2.0]
    assert refiner._pruned(few, dense_columns=2).nnz == 2


def test_fitting_is_deterministic_and_survives_pickling() -> None:
    first, second = _fitted(), _fitted()
    assert (first._weights != second._weights).nnz == 0
    restored = pickle.loads(pickle.dumps(first))
    texts = sparse.csr_matrix(np.array([[1, 1, 0, 0.2, 0.1]]))
    scores = np.array([[0.5, 0.45, -1.0]])
    assert (
        restored.refine(texts, scores).labels.tolist() == first.refine(texts, scores).labels.tolist() == [1]
    )


@pytest.mark.parametrize("rows", [0, 1])
def test_empty_and_single_batches(rows: int) -> None:
    refiner = _fitted()
    texts = sparse.csr_matrix(np.tile(ROWS[6], (rows, 1)))
    refined = refiner.refine(texts, np.tile([0.5, 0.45, -1.0], (rows, 1)))
    assert refined.labels.tolist() == [1] * rows and len(refined.agreement) == rows


def test_agreement_is_high_for_a_clear_winner_and_lower_between_labels() -> None:
    refiner = _fitted()
    clear = sparse.csr_matrix(np.array([[0, 0, 1, -0.3, 0.4]]))  # plainly label 2
    between = sparse.csr_matrix(np.array([[0.5, 0.5, 0.5, 0.0, 0.0]]))  # a bit of everything
    scores = np.array([[0.0, 0.0, 1.0]])
    clear_agreement = refiner.refine(clear, scores).agreement[0]
    between_agreement = refiner.refine(between, scores).agreement[0]
    assert -1.0 <= between_agreement < clear_agreement <= 1.0
    assert clear_agreement > 0.5
    # Voting off: no evidence either way, agreement is 1 and changes no score.
    off = _fitted(PairwiseParams(candidates=1))
    assert off.refine(between, scores).agreement.tolist() == [1.0]
