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
