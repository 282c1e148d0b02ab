"""Sentence vectors equal wordllama's own and do not depend on the texts embedded alongside; a text
in capitals or title case is read in lower case."""

from __future__ import annotations

import numpy as np
import pytest

from convosift.ml import embeddings
from convosift.ml.embeddings import _model, embed, readable

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
    alone = np.vstack([_fresh([text]) for text in TEXTS])
    assert np.allclose(together, alone, rtol=0, atol=1e-6)


def _fresh(texts: list[str]) -> np.ndarray:
    """``embed`` with nothing remembered from an earlier call."""
    embeddings._last_call[0] = {}
    return embed(texts)


def _malloc_in_use() -> int | None:
    """Bytes glibc's allocator has handed out and not had back (None off glibc)."""
    import ctypes
    import ctypes.util

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()
        ]

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return int(info.uordblks + info.hblkhd)


def test_the_tokenizer_cache_does_not_grow_with_the_texts_embedded() -> None:
    # The tokenizer's cache is keyed by whole texts: at its default size, every 10,000 distinct
    # conversation-sized texts kept about 16 MiB more.
    import pytest

    words = "the export of my report fails again with an error after I click the button".split()

    def distinct(start: int) -> list[str]:
        return [
            " ".join(words[(i + j) % len(words)] for j in range(5 + i % 60)) + f" ticket {i}"
            for i in range(start, start + 20_000)
        ]

    embed(distinct(0))
    before = _malloc_in_use()
    if before is None:
        pytest.skip("needs glibc's mallinfo2")
    embed(distinct(20_000))
    grown = (_malloc_in_use() or 0) - before
    assert grown < 4 * 2**20, f"native memory grew by {grown / 2**20:.1f} MiB"


def test_remembered_vectors_are_the_ones_computed_alone_and_callers_cannot_change_them() -> None:
    texts = ["my card was declined", "", "how do I reset my password?", "the app crashes on start"]
    first = embed(texts)
    first[0] = 7.0  # a caller scaling its array in place must not change the next call's answer
    again = embed([texts[2], "something new entirely", texts[0]])
    alone = [_fresh([text])[0] for text in (texts[2], "something new entirely", texts[0])]
    assert np.array_equal(again, np.stack(alone))
    assert abs(float(np.linalg.norm(again[2])) - 1) < 1e-6


def test_a_call_too_big_to_remember_leaves_the_last_one_in_place() -> None:
    small = ["my card was declined", "how do I reset my password?"]
    embed(small)
    remembered = embeddings._last_call[0]
    embed([f"text number {i}" for i in range(embeddings.REMEMBERED_TEXTS + 1)])
    assert embeddings._last_call[0] is remembered
    assert set(remembered) == set(small)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("MY CARD WAS DECLINED AGAIN!!!", "my card was declined again!!!"),
        ("Card Not Working After The Update", "card not working after the update"),
        ("WHY WAS I CHARGED twice", "why was i charged twice"),
        # Names, acronyms and a short title stay as written.
        ("My ATM card from Lloyds UK is blocked", "My ATM card from Lloyds UK is blocked"),
        ("Refund Not Received", "Refund Not Received"),
        ("1234 5678", "1234 5678"),
        ("Invoice INV-2024-001 for ACME GmbH", "Invoice INV-2024-001 for ACME GmbH"),
        ("NHS GP DNA SMS", "NHS GP DNA SMS"),
        ("MY CARD IS LOST", "my card is lost"),
        ("I Lost My Card", "i lost my card"),
        ("PIN?", "PIN?"),
    ],
)
def test_a_text_in_capitals_or_title_case_is_read_in_lower_case(text: str, read: str) -> None:
    assert readable(text) == read


def test_a_request_in_capitals_lands_where_it_does_written_normally() -> None:
    normal, shouted, other = embed(
        ["my card was declined at the shop", "MY CARD WAS DECLINED AT THE SHOP", "how do I reset my password"]
    )
    assert float(normal @ shouted) == pytest.approx(1.0, abs=1e-6)
    assert float(normal @ other) < 0.9
