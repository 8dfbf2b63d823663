"""Waiting for a lock another connection holds, without holding up the event loop.

Work that runs on the event loop (storage/database.py) never waits for a lock there: its
connection gives up at once (SQLite's busy timeout is 0 on it, PostgreSQL's `lock_timeout` a
few milliseconds), the unit of work is rolled back and waits elsewhere: SQLite's is run again
on the loop after short sleeps that let every other request through, PostgreSQL's is run
again in a thread on a pooled connection that may wait. Past `lock_wait` seconds the request
is refused with `Unavailable` (503 with Retry-After): nothing of it was stored, and the same
request can be sent again. A lock held by another process (a second instance, a backup, an
operator's `LOCK TABLE`) then slows only the requests that need it, and never takes the
instance out of a load balancer's rotation.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import psycopg.errors

from shirube.errors import Unavailable

# How long a request may wait for a lock held elsewhere before it is refused.
DEFAULT_LOCK_WAIT_SECONDS = 5.0
# PostgreSQL on the loop: long enough for the row locks two instances' short transactions
# take on the same user, short enough that a table lock costs the loop little before the
# work moves to a thread.
LOOP_LOCK_TIMEOUT_MS = 20
# SQLite on the loop: the first retry comes quickly (a writer's transaction lasts a few
# milliseconds), later ones at most every 50 ms.
FIRST_DELAY = 0.001
LONGEST_DELAY = 0.05
RETRY_AFTER_SECONDS = 1

_SQLITE_LOCK_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
# A deadlock is a lock wait PostgreSQL ended by aborting one of the transactions: that one can
# run again like any other work that met a lock.
_POSTGRES_LOCK_ERRORS = (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected)
# The driver errors among which `is_lock_wait` finds the lock waits.
LOCK_ERRORS = (sqlite3.OperationalError, *_POSTGRES_LOCK_ERRORS)


# PostgreSQL: after work met a lock on the loop, hot work goes straight to a thread for this
# long, so that a table lock held for seconds costs the loop one 20 ms wait, not one a request.
LOCK_SEEN_SECONDS = 0.25


class LockHeld(Exception):
    """A unit of work met a lock held elsewhere and was rolled back; it can run again."""


class GroupBlocked(LockHeld):
    """Batches of a group, each in its own transaction: from the one that met a lock on, none
    is written; `blocked` are to wait off the loop (the ones before were written)."""

    def __init__(self, blocked: list[Any]) -> None:
        super().__init__()
        self.blocked = blocked


def is_lock_wait(exc: BaseException) -> bool:
    """Whether a driver error means a lock held by another connection (SQLite BUSY/LOCKED,
    extended codes included; PostgreSQL's lock_timeout, or a deadlock)."""
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is None:  # an error raised without a code: the message says it
            return "database is locked" in str(exc)
        return code & 0xFF in _SQLITE_LOCK_CODES
    return isinstance(exc, _POSTGRES_LOCK_ERRORS)


def refused() -> Unavailable:
    return Unavailable(
        "database_busy",
        "the database is busy (a lock held elsewhere); nothing was stored, send the request again",
        retry_after=RETRY_AFTER_SECONDS,
    )


def delays(lock_wait: float) -> Iterator[float]:
    """The sleeps between attempts, doubling, until `lock_wait` seconds have passed."""
    deadline = time.monotonic() + lock_wait
    delay = FIRST_DELAY
    while (left := deadline - time.monotonic()) > 0:
        yield min(delay, left)
        delay = min(delay * 2, LONGEST_DELAY)
