"""Sentence vectors from the ``wordllama`` weights that ship inside its wheel.

The weights are loaded from the package folder with downloads disabled, so nothing here ever
touches the network. Vectors are mean-pooled token embeddings, L2-normalised; an empty text gets
the zero vector instead of the NaN a plain normalisation would produce.

The mean is computed here, text by text, from wordllama's tokenizer and embedding table rather
than by ``WordLlama.embed``, which pads every text of a chunk to the longest one's tokens: with
texts of mixed length most of its work went into padding, more so the more texts a call passed.
The token vectors are summed in token order, as ``WordLlama.embed`` sums them, so the vectors are
the same within 1e-6 (a test compares them; the normalisation may round differently).

A text written in capitals or in title case ("MY CARD WAS DECLINED AGAIN", "Card Not Working
After Update") is read in lower case: the tokenizer cuts capitals into other, rarer tokens, and
such a text landed far from the same words written normally (see docs/accuracy.md).

Each text's vector depends on that text alone (no step mixes rows), so the vectors of the last
call are remembered for the next: the category model and the junk detector embed the same texts
one after the other.
"""

from __future__ import annotations

import copy
import functools
import re
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
TOKENIZER_CACHE_ENTRIES = 256
"""Texts whose tokens the tokenizer keeps. wordllama's tokenizer has no pre-tokenizer, so its BPE
cache is keyed by whole texts; left at its default size it kept about 2 KiB of native memory per
conversation a run classified (a backfill's peak grew with its history). The cache only fills, it
never evicts: a small one keeps the stock phrases seen first and costs nothing measurable."""
SHOUTED_SHARE = 0.6
"""Share of a text's letters in capitals from which it is read in lower case..."""
SHOUTED_WORDS = 3
"""...when it has at least this many words and one of them, in capitals, is a word customers write
in lower case (:func:`convosift.ml.framing.lower_case_words`): "MY CARD IS LOST" is read in lower
case, "NHS GP DNA" and "PIN?" stay as written."""
TITLE_CASE_SHARE = 0.8
TITLE_CASE_WORDS = 4
"""A text of at least this many words, this share of them capitalised (a capital, then lower-case
letters), is read in lower case; words in capitals or with digits ("ACME", "INV-2024") count
against it."""
REMEMBERED_TEXTS = 4096
"""A call of at most this many texts is remembered for the next call: its texts and their vectors
(1 KiB a text), until the next call of at most this many texts replaces them."""
_last_call: list[dict[str, Any]] = [{}]
"""The texts and vectors of the last call remembered (one slot, replaced whole)."""


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def readable(text: str) -> str:
    """``text`` in lower case when it is written in capitals (:data:`SHOUTED_SHARE` of its letters,
    :data:`SHOUTED_WORDS` words or more, one of them a word customers write in lower case) or in
    title case (:data:`TITLE_CASE_SHARE` of :data:`TITLE_CASE_WORDS` words or more); as it is
    otherwise, names and acronyms kept."""
    from convosift.ml.framing import lower_case_words

    letters = [char for char in text if char.isalpha()]
    if not letters:
        return text
    words = _WORD.findall(text)
    if sum(char.isupper() for char in letters) >= SHOUTED_SHARE * len(letters):
        shouted = any(word.isupper() and word.lower() in lower_case_words() for word in words)
        return text.lower() if len(words) >= SHOUTED_WORDS and shouted else text
    capitalised = sum(word[0].isupper() and (len(word) == 1 or word[1:].islower()) for word in words)
    if len(words) >= TITLE_CASE_WORDS and capitalised >= TITLE_CASE_SHARE * len(words):
        return text.lower()
    return text


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


@functools.cache
def _tokenizer() -> Any:
    """wordllama's tokenizer without the padding it turns on and with a bounded cache (a copy: the
    model keeps its own)."""
    tokenizer = copy.deepcopy(_model().tokenizer)
    tokenizer.no_padding()
    # ``_resize_cache`` is the binding's only way to bound the cache (tokenizers >= 0.20); without it
    # the tokenizer still works, with its default cache.
    resize = getattr(tokenizer.model, "_resize_cache", None)
    if resize is not None:
        resize(TOKENIZER_CACHE_ENTRIES)
    return tokenizer


def _encode(texts: list[str]) -> Any:
    """The tokens of each text. ``encode_batch_fast`` (tokenizers >= 0.20) skips the character
    offsets nothing here reads: the same ids for about a third less work."""
    tokenizer = _tokenizer()
    encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)
    return encode(texts, add_special_tokens=False)


def _mean_token_vectors(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """The mean token vector of each text (zero for a text without tokens), as ``WordLlama.embed``."""
    import numpy as np

    table = _model().embedding
    means = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    for row, encoding in enumerate(_encode(list(texts))):
        if encoding.ids:
            ids = np.array(encoding.ids, dtype=np.intp)
            # Ids past the end of the table are clamped to its last row, as wordllama does.
            np.clip(ids, 0, table.shape[0] - 1, out=ids)
            means[row] = table[ids].sum(axis=0, dtype=np.float32) / np.float32(len(ids))
    return means


def embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Unit-length sentence vectors, one row per text (zero rows for empty texts)."""
    import numpy as np

    vectors = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    remembered = _last_call[0]  # one read: another thread may replace it meanwhile
    missing = []
    for i, text in enumerate(texts):
        known = remembered.get(text)
        if known is not None:
            vectors[i] = known
        elif text and text.strip():
            missing.append(i)
    if missing:
        raw = _mean_token_vectors([readable(texts[i]) for i in missing])
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        vectors[missing] = raw / norms
    if len(texts) <= REMEMBERED_TEXTS:
        _last_call[0] = dict(zip(texts, vectors.copy(), strict=True))  # a caller may change its array
    return vectors
