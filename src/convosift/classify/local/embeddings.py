"""Sentence vectors from the ``wordllama`` weights that ship inside its wheel.

The weights are loaded from the package folder with downloads disabled, so nothing here ever
touches the network. Vectors are mean-pooled token embeddings, L2-normalised; an empty text gets
the zero vector instead of the NaN a plain normalisation would produce.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convosift.errors import ClassifierError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

EMBEDDING_MODEL = "wordllama-l2_supercat-256"
"""Identity of the sentence-vector model (part of every cache key built on it)."""
EMBEDDING_DIM = 256
_BATCH = 256


@functools.cache
def _model() -> Any:
    import wordllama
    from wordllama import WordLlama

    try:
        return WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, dim=EMBEDDING_DIM, disable_download=True
        )
    except (FileNotFoundError, ValueError) as exc:
        raise ClassifierError(
            f"the wordllama weights shipped with the package could not be loaded: {exc}",
            hint="reinstall the wordllama package",
        ) from None


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length sentence vectors, one row per text (zero rows for empty texts)."""
    import numpy as np

    vectors = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    present = [i for i, text in enumerate(texts) if text and text.strip()]
    if present:
        raw = _model().embed([texts[i] for i in present], norm=False, batch_size=_BATCH)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        vectors[present] = raw / norms
    return vectors
