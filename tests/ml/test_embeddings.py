"""Sentence vectors equal wordllama's own and do not depend on the texts embedded alongside."""

from __future__ import annotations

import numpy as np

from convosift.ml.embeddings import _model, embed

TEXTS = [
    "hi",
    "The export button does nothing when I click it, and the CSV never arrives in my inbox.",
    "   ",
    "refund",
    "Ünïcödé — emojis 🎉 and symbols: ~!@#$%^&*()",
    " ".join(["my invoice shows the wrong amount again"] * 40),
    "",
]


def test_vectors_equal_wordllamas_mean_pooling() -> None:
    present = [text for text in TEXTS if text.strip()]
    reference = _model().embed(present, norm=False, batch_size=64)
    reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    vectors = embed(TEXTS)
    present_rows = vectors[[i for i, text in enumerate(TEXTS) if text.strip()]]
    assert np.allclose(present_rows, reference, rtol=0, atol=1e-6)
    assert not vectors[[2, 6]].any()


def test_a_texts_vector_does_not_depend_on_its_batch() -> None:
    together = embed(TEXTS)
    alone = np.vstack([embed([text]) for text in TEXTS])
    assert np.allclose(together, alone, rtol=0, atol=1e-6)
