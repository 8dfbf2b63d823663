"""Rows known to exist, so that ingestion can skip insert-if-absent statements for them.

Only a hint, never the truth: a key is added only after the transaction that wrote (or met)
the row has committed, and these rows are never deleted (companies, memberships, checklist
item completions), so "known" always means "exists" in the shared database. An unknown key
just means the statement runs, as it would without this set; two instances with different
sets therefore store exactly the same rows.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

# About 100 bytes a key: a few tens of MB at most, then start over.
MAX_KEYS = 300_000


class KnownRows:
    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self._keys: set[Hashable] = set()
        self._max_keys = max_keys

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def learn(self, keys: Iterable[Hashable]) -> None:
        """Call after the commit that stored (or found) these rows."""
        if len(self._keys) >= self._max_keys:
            self._keys = set()
        self._keys.update(keys)
