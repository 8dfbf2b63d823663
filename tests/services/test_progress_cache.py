"""`ProgressCache`: bounded, the entry used least recently goes first, size 0 keeps nothing."""

from __future__ import annotations

from shirube.services.progress import UserProgress
from shirube.services.progress_cache import ProgressCache


def test_the_entry_used_least_recently_goes_first():
    cache = ProgressCache(2)
    first, second, third = UserProgress(), UserProgress(), UserProgress()
    cache.put("a", first)
    cache.put("b", second)
    assert cache.get("a") is first  # "a" is now the most recently used
    cache.put("c", third)
    assert cache.get("b") is None
    assert cache.get("a") is first and cache.get("c") is third


def test_size_zero_keeps_nothing():
    cache = ProgressCache(0)
    cache.put("a", UserProgress())
    assert cache.get("a") is None
