"""The TF-IDF weighting of new texts is exactly what the fitted scikit-learn vectorisers produce."""

from __future__ import annotations

import numpy as np

from convosift.ml.features import FeatureBuilder, FeatureParams, _clean, _tfidf

TRAINING = [
    "I was charged twice on my card",
    "please refund my last payment",
    "I forgot my password",
    "cannot sign in to my account",
    "the app crashes when I open settings",
    "blank screen after the update",
]
NEW = [
    "refund the double charge, I was charged twice!",
    "",
    "   ",
    "zzzz qqqq",
    "password password password reset",
    "Ünïcödé — emojis 🎉 and the app crashes",
]


def test_weighting_new_texts_matches_the_vectorisers_own_transform() -> None:
    builder = FeatureBuilder(FeatureParams(char_min_df=1))
    builder.fit_transform(TRAINING)
    cleaned = _clean(NEW)
    for vectorizer in (builder._word, builder._char):
        expected = vectorizer.transform(cleaned)
        actual = _tfidf(vectorizer, cleaned)
        assert type(actual) is type(expected)
        assert actual.dtype == expected.dtype
        assert np.array_equal(actual.indptr, expected.indptr)
        assert np.array_equal(actual.indices, expected.indices)
        assert np.allclose(actual.data, expected.data, rtol=0, atol=1e-12)
        assert actual.nnz > 0


def test_shape_block_sits_before_the_sentence_vectors_only_when_weighted() -> None:
    from convosift.ml.embeddings import EMBEDDING_DIM
    from convosift.ml.shape import SHAPE_FEATURES

    plain, plain_vectors = FeatureBuilder(FeatureParams(char_min_df=1)).fit_transform(TRAINING)
    shaped, vectors = FeatureBuilder(FeatureParams(char_min_df=1, shape_weight=2.0)).fit_transform(TRAINING)
    assert shaped.shape[1] == plain.shape[1] + len(SHAPE_FEATURES)
    # The engine reads the sentence vectors from the last columns, with or without the block.
    assert np.allclose(shaped[:, -EMBEDDING_DIM:].toarray(), plain[:, -EMBEDDING_DIM:].toarray())
    assert np.allclose(vectors, plain_vectors)
