"""SQLite's WAL checkpoints in a thread of their own, off the event loop.

In WAL mode a COMMIT appends the pages it changed to the `-wal` file; a checkpoint copies
them back into the database file and syncs it. By default the connection that commits runs
the checkpoint itself, inside its COMMIT, whenever the WAL passes `wal_autocheckpoint` pages:
on the event loop, every request waits for it. While a database is small that is cheap (a
batch rewrites the same few pages). Once it holds a million events it is not: a batch of
1,000 events then changes thousands of pages spread over large B-trees (random UUID event ids,
counters and completions keyed by user), and copying them back with their sync cost about
80 % of the batch's time in-process (bench/README.md, "Ingestion into a loaded database").

So `Checkpointer` runs `PRAGMA wal_checkpoint(PASSIVE)` on a connection of its own, in a
daemon thread, a few times a second while there is something to copy: PASSIVE never waits
for the writer nor holds it up, sqlite3 releases the GIL while it copies and syncs, and the
event loop's COMMIT only appends to the WAL. The loop's connection keeps an automatic
checkpoint at a higher mark (`FALLBACK_PAGES`) in case this thread ever falls behind.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from typing import Any

# Seconds between checkpoints while commits come in (a WAL of a few tens of MB at most).
INTERVAL_SECONDS = 0.25
# The loop's own automatic checkpoint once this thread runs: a backstop, 4 × the default mark.
FALLBACK_PAGES = 40_000


class Checkpointer:
    """One per SQLite `Database` that ingests; started by the first grouped write."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, loop_driver: sqlite3.Connection) -> None:
        if self._thread is not None:
            return
        loop_driver.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """Pages were appended to the WAL: copy them back soon (cheap to call)."""
        self._wake.set()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        connection: Any = None
        try:
            # Waits for nothing: PASSIVE copies what it can and returns.
            connection = sqlite3.connect(self._path, timeout=0, isolation_level=None)
            while not self._stop.is_set():
                self._wake.wait()
                if self._stop.is_set():
                    break
                self._wake.clear()
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                # Commits that come meanwhile are copied by the next round.
                self._stop.wait(INTERVAL_SECONDS)
        except sqlite3.Error:
            pass  # the loop's own automatic checkpoint (FALLBACK_PAGES) takes over
        finally:
            if connection is not None:
                connection.close()
