"""Text → feature matrix: TF-IDF word and character n-grams joined with sentence vectors.

Word n-grams catch the exact phrasing of a class, character n-grams survive typos and
inflections, and the dense ``wordllama`` vectors carry meaning across synonyms the training
texts never used. The dense block is scaled by ``embedding_weight`` so that, inside one linear
model, it competes fairly with the (unit-norm) sparse blocks.

Fitted vectorisers weight new texts through :func:`_tfidf` rather than their own ``transform``:
the counting is scikit-learn's work in pure Python, one dictionary lookup per n-gram, and it was
the largest cost of classifying a batch. Here the n-grams of a whole batch are looked up at once
(``map`` over the vocabulary's ``get``), and the vocabulary columns of each word's character
n-grams are remembered per vectoriser (a word's ``char_wb`` n-grams do not depend on its
neighbours, and a few thousand words make up most of any inbox): a text's character block is then
one lookup per word instead of one per n-gram. The matrix is the same as scikit-learn's:
identical structure, weights within 1e-12 (tests compare them).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any

from convosift.ml.embeddings import embed
from convosift.ml.shape import shape_features

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


@dataclass(frozen=True)
class FeatureParams:
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    char_min_df: int = 2
    embedding_weight: float = 2.0
    shape_weight: float = 0.0
    """Weight of the block of shape features (:mod:`convosift.ml.shape`); 0 leaves it out."""


class FeatureBuilder:
    """Fitted vectorisers; ``transform`` also returns the sentence vectors it computed."""

    def __init__(self, params: FeatureParams) -> None:
        self.params = params
        self._word: Any = None
        self._char: Any = None

    def fit_transform(self, texts: Sequence[str]) -> tuple[Any, npt.NDArray[np.float32]]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._word = TfidfVectorizer(ngram_range=self.params.word_ngrams, sublinear_tf=True)
        # min_df=1 for tiny training sets, where a min_df of 2 could leave the vocabulary empty.
        min_df = self.params.char_min_df if len(texts) >= 50 else 1
        self._char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.params.char_ngrams, sublinear_tf=True, min_df=min_df
        )
        cleaned = _clean(texts)
        self._word.fit(cleaned)
        self._char.fit(cleaned)
        return self.transform(texts)

    def transform(self, texts: Sequence[str]) -> tuple[Any, npt.NDArray[np.float32]]:
        from scipy import sparse

        if self._word is None or self._char is None:
            raise RuntimeError("FeatureBuilder.transform called before fit_transform")
        cleaned = _clean(texts)
        vectors = embed(cleaned)
        blocks = [_tfidf(self._word, cleaned), _tfidf(self._char, cleaned)]
        if self.params.shape_weight:
            blocks.append(sparse.csr_matrix(shape_features(cleaned) * self.params.shape_weight))
        # The sentence vectors stay the last columns: the engine finds them there.
        blocks.append(sparse.csr_matrix(vectors * self.params.embedding_weight))
        matrix = sparse.hstack(blocks, format="csr")
        return matrix, vectors


def _tfidf(vectorizer: Any, texts: list[str]) -> Any:
    """``vectorizer.transform(texts)`` for the vectorisers built here (sublinear tf, idf, l2 norm),
    without the input checks: the steps and their order are scikit-learn's, so the matrix is
    the same: identical structure, weights within 1e-12 (a test compares them)."""
    import numpy as np
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

    matrix = _counts(vectorizer, texts)
    np.log(matrix.data, matrix.data)
    matrix.data += 1.0
    matrix.data *= vectorizer.idf_[matrix.indices]
    inplace_csr_row_normalize_l2(matrix)
    return matrix


def _counts(vectorizer: Any, texts: list[str]) -> Any:
    """The n-gram counts ``CountVectorizer.transform`` gives, as float64, indices sorted."""
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    if vectorizer.binary or vectorizer.input != "content":  # not built here: scikit-learn's own way
        return CountVectorizer.transform(vectorizer, texts).astype(np.float64)
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    lengths = np.zeros(len(texts), dtype=np.int64)
    if vectorizer.analyzer == "char_wb":
        prepare = vectorizer.build_preprocessor()
        columns_of = _word_columns(vectorizer)
        parts: list[bytes] = []
        for row, text in enumerate(texts):
            found = [columns_of(word) for word in prepare(text).split()]
            lengths[row] = sum(map(len, found)) // 4
            parts.extend(found)
        columns = np.frombuffer(b"".join(parts), dtype=np.int32).astype(np.int64)
    else:
        analyze = vectorizer.build_analyzer()
        grams: list[str] = []
        for row, text in enumerate(texts):
            found_grams = analyze(text)
            grams.extend(found_grams)
            lengths[row] = len(found_grams)
        columns = np.fromiter(map(vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    known = columns >= 0
    # One sorted key per (row, column) gives the CSR arrays directly: counts, sorted columns and
    # row pointers, without the checks of a COO round trip (a fixed cost paid per call).
    width = max(len(vocabulary), 1)
    keys, counts = np.unique(rows[known] * width + columns[known], return_counts=True)
    indptr = np.searchsorted(keys, np.arange(len(texts) + 1, dtype=np.int64) * width)
    index = np.int32 if max(len(keys), width) < np.iinfo(np.int32).max else np.int64
    return sparse.csr_matrix(
        (counts.astype(np.float64), (keys % width).astype(index), indptr.astype(index)),
        shape=(len(texts), len(vocabulary)),
    )


REMEMBERED_WORD_CHARS = 24
REMEMBERED_WORDS = 10_000
"""Words whose n-gram columns each vectoriser keeps (200 to 450 bytes a word, by its length: at
most about 4.5 MB per vectoriser). Words longer than :data:`REMEMBERED_WORD_CHARS` characters
(links, ids) rarely repeat and are never kept; once full, the table keeps the words seen first
(the common ones) and new ones are looked up each time, so a long run's memory does not grow
with its history."""
_WORD_COLUMNS: weakref.WeakKeyDictionary[Any, tuple[dict[str, int], tuple[int, int], dict[str, bytes]]] = (
    weakref.WeakKeyDictionary()
)


def _word_columns(vectorizer: Any) -> Any:
    """A function giving the vocabulary columns of one word's ``char_wb`` n-grams (unknown n-grams
    left out, in n-gram order) as native 32-bit integers, remembered for this vectoriser as long as
    its vocabulary and n-gram range stay the same (a refit starts a new table)."""
    from array import array

    vocabulary: dict[str, int] = vectorizer.vocabulary_
    low, high = vectorizer.ngram_range
    entry = _WORD_COLUMNS.get(vectorizer)
    if entry is None or entry[0] is not vocabulary or entry[1] != (low, high):
        entry = (vocabulary, (low, high), {})
        _WORD_COLUMNS[vectorizer] = entry
    remembered = entry[2]

    def columns_of(word: str) -> bytes:
        columns = remembered.get(word)
        if columns is None:
            found = map(vocabulary.get, _word_grams(word, low, high))
            columns = array("i", [column for column in found if column is not None]).tobytes()
            if len(word) <= REMEMBERED_WORD_CHARS and len(remembered) < REMEMBERED_WORDS:
                remembered[word] = columns
        return columns

    return columns_of


def _word_grams(word: str, low: int, high: int) -> tuple[str, ...]:
    padded = f" {word} "
    grams = []
    for n in range(low, high + 1):
        offset = 0
        grams.append(padded[:n])
        while offset + n < len(padded):
            offset += 1
            grams.append(padded[offset : offset + n])
        if offset == 0:  # a word shorter than n counts once
            break
    return tuple(grams)


def _clean(texts: Sequence[str]) -> list[str]:
    # The word vectoriser rejects an all-empty vocabulary; whitespace-only texts become "".
    return [" ".join(text.split()) if text else "" for text in texts]
