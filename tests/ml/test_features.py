"""The TF-IDF weighting of new texts is exactly what the fitted scikit-learn vectorisers produce."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convosift.ml.features import FeatureBuilder, FeatureParams, _clean, _counts, _tfidf

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


_WORDS = sorted({word for text in TRAINING + NEW for word in text.split()})
_SPACES = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2003", " \r\n "])
_TEXTS = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.lists(st.tuples(st.sampled_from(_WORDS), _SPACES), max_size=12).map(
        lambda pairs: "".join(word + space for word, space in pairs)
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEXTS, min_size=0, max_size=6))
def test_counting_equals_scikit_learns_on_any_text(texts: list[str]) -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    builder = _fitted()
    for vectorizer in (builder._word, builder._char, *_other_vectorizers()):
        expected = CountVectorizer.transform(vectorizer, texts)
        actual = _counts(vectorizer, texts)
        assert actual.shape == expected.shape
        assert actual.dtype == np.float64
        assert np.array_equal(actual.indptr, expected.indptr)
        assert np.array_equal(actual.indices, expected.indices)
        assert np.array_equal(actual.data, expected.data.astype(np.float64))


@functools.cache
def _fitted() -> FeatureBuilder:
    builder = FeatureBuilder(FeatureParams(char_min_df=1))
    # Training words with accents, capitals and odd spaces, so that random text meets the vocabulary.
    builder.fit_transform([*TRAINING, *NEW, "Ärger über die Gebühr", "a\tb  c\u00a0d é É ß"])
    return builder


@functools.cache
def _other_vectorizers() -> tuple[object, ...]:
    """Settings this module does not use, counted the same way (or by scikit-learn itself)."""
    from sklearn.feature_extraction.text import CountVectorizer

    corpus = [*TRAINING, *NEW, "Ärger über die Gebühr", "a\tb  c\u00a0d é É ß"]
    return tuple(
        CountVectorizer(**options).fit(corpus)
        for options in (
            {"analyzer": "char_wb", "ngram_range": (1, 3), "lowercase": False, "strip_accents": "unicode"},
            {"analyzer": "char_wb", "ngram_range": (3, 6)},
            {"analyzer": "char", "ngram_range": (2, 4)},
            {"lowercase": False, "token_pattern": r"\S+", "ngram_range": (1, 3)},
            {"binary": True},
        )
    )


def test_the_remembered_words_are_bounded_and_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a vectoriser's table of word columns is full, new words are looked up each time: the
    counts stay scikit-learn's and the table does not grow with a long run's history."""
    from sklearn.feature_extraction.text import CountVectorizer

    from convosift.ml import features

    monkeypatch.setattr(features, "REMEMBERED_WORDS", 5)
    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit([*TRAINING, *NEW])
    texts = [*NEW, *TRAINING, "a word longer than twenty-four characters: abcdefghijklmnopqrstuvwxyz0123"]
    for _ in range(2):
        actual = _counts(vectorizer, texts)
        expected = CountVectorizer.transform(vectorizer, texts)
        assert (actual != expected).nnz == 0
    assert len(features._WORD_COLUMNS[vectorizer][2]) == 5

    monkeypatch.setattr(features, "REMEMBERED_WORDS", 10_000)
    fresh = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit([*TRAINING, *NEW])
    _counts(fresh, texts)
    remembered = features._WORD_COLUMNS[fresh][2]
    assert remembered and all(len(word) <= features.REMEMBERED_WORD_CHARS for word in remembered)
    # Refitted in place, the vectoriser gets a new table, and counts still match.
    fresh.fit(["entirely different words here", *NEW])
    assert (_counts(fresh, texts) != CountVectorizer.transform(fresh, texts)).nnz == 0
