"""Users' progress kept between their widget sessions, keyed by `end_user.progress_rev`.

The same user opens a session on every page load, and their progress rarely changes between
two of them; reading it was a third of a session (bench/README.md). So every transaction that
changes what a session shows of a user's progress also moves that user's `progress_rev` on, in
the same transaction:

- ingestion, for the users of a batch with a progress event or an event that a completion rule
  of the current content counts (`projection.changes_progress`); the batch reads the content
  revision inside its transaction, so a publish cannot slip between the two
  (`published.current_content`);
- `progress.record_completions`, when a session or the progress endpoint catches items up.

A session reads the revision with the user (the identify statement it makes anyway) and reads
the progress only when this process has not kept that revision. The key holds stored values
only, like the published-content cache's, so instances behind a load balancer never disagree:
a revision moved on by another instance is a new key here. A user without a row has no
progress at all (every write of progress upserts the user in the same transaction), so a
first session reads none.
"""

from __future__ import annotations

from collections.abc import Hashable
from contextlib import suppress

from shirube.services.progress import UserProgress


class ProgressCache:
    """Progress by (workspace, user, progress_rev, content revision, counted event names);
    the entry used least recently goes first when full (a dict keeps insertion order, and a
    hit moves its entry to the end). Entries are never changed once stored, but for the
    answer parts encoded from them (`UserProgress.encoded`, services/session_answer.py)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[Hashable, UserProgress] = {}

    def get(self, key: Hashable) -> UserProgress | None:
        entries = self._entries
        try:
            found = entries[key] = entries.pop(key)
        except KeyError:  # not kept, or evicted by another thread meanwhile
            return None
        return found

    def put(self, key: Hashable, progress: UserProgress) -> None:
        if self._size <= 0:
            return
        entries = self._entries
        if len(entries) >= self._size:
            # Threads may share the cache (PostgreSQL off this machine): losing a race to
            # evict only means one entry more or less.
            with suppress(StopIteration, KeyError, RuntimeError):
                del entries[next(iter(entries))]
        entries[key] = progress
