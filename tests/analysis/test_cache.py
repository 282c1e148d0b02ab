"""Cache keys name exactly what was asked; the in-memory cache behaves like the persistent one."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from convosift.analysis.cache import MemoryCache, ResultCache, cache_key, content_hash, normalise_text


def key(text: str = "The export fails.", **changes: str) -> str:
    parts = {"classifier": "llm", "model": "m1", "version": "v1", **changes}
    return cache_key(content_hash(text), **parts)


def test_formatting_noise_does_not_change_the_key() -> None:
    assert key("The export fails.") == key("  The   export\n fails. ")
    assert key("café") == key("cafe\u0301")  # composed and decomposed forms


def test_every_part_of_what_was_asked_changes_the_key() -> None:
    keys = {
        key(),
        key("The export works."),
        key(classifier="local"),
        key(model="m2"),
        key(version="v2"),
    }
    assert len(keys) == 5


def test_parts_cannot_collide_by_shifting_a_separator() -> None:
    digest = content_hash("x")
    assert cache_key(digest, classifier="a|b", model="c", version="v") != cache_key(
        digest, classifier="a", model="b|c", version="v"
    )


@given(st.text(), st.text())
def test_keys_are_equal_exactly_when_normalised_texts_are(first: str, second: str) -> None:
    assert (key(first) == key(second)) == (normalise_text(first) == normalise_text(second))


def test_memory_cache_returns_only_stored_keys_and_copies() -> None:
    cache = MemoryCache()
    assert isinstance(cache, ResultCache)
    cache.put_many({"a": {"category": "spam"}, "b": {"category": "billing_question"}})

    got = cache.get_many(["a", "missing"])
    got["a"]["category"] = "changed"

    assert set(got) == {"a"}
    assert cache.get_many(["a"])["a"] == {"category": "spam"}
    cache.put_many({"a": {"category": "product_issue"}})
    assert cache.get_many(["a"])["a"] == {"category": "product_issue"}
    assert len(cache) == 2


def test_memory_cache_is_safe_across_threads() -> None:
    cache = MemoryCache()

    def writer(offset: int) -> None:
        for number in range(200):
            cache.put_many({f"{offset}-{number}": {"n": number}})

    threads = [threading.Thread(target=writer, args=(offset,)) for offset in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(cache) == 800


def test_memory_cache_keeps_at_most_max_entries_and_drops_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=3)
    cache.put_many({"a": {"n": 1}, "b": {"n": 2}, "c": {"n": 3}})
    cache.get_many(["a"])  # a is now the most recently used
    cache.put_many({f"new-{n}": {"n": n} for n in range(2)})

    assert len(cache) == 3
    assert set(cache.get_many(["a", "b", "c", "new-0", "new-1"])) == {"a", "new-0", "new-1"}
