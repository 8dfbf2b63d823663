"""Work in a thread, on a connection of the pool: everything for a remote PostgreSQL, the
non-hot work for one on this machine, and work that met a lock on the loop and may wait here
(storage/lock_wait.py). A pooled connection waits `lock_wait` for a lock or for a free
connection, then the request is refused (503), never left with a driver error (500)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shirube.storage.connection import Connection
from shirube.storage.engine import POOL_SIZE, autocommit
from shirube.storage.lock_wait import LOCK_ERRORS, LockHeld, is_lock_wait, refused
from shirube.storage.statements import StatementCache

T = TypeVar("T")

# A deadlock PostgreSQL broke: the aborted work is run again this many times at most.
DEADLOCK_RETRIES = 3


class PooledWork:
    def __init__(self, engine: Engine, statements: StatementCache, lock_wait: float) -> None:
        self.engine = engine
        self.statements = statements
        self.is_sqlite = statements.is_sqlite
        self.lock_wait_ms = round(lock_wait * 1000)
        # Threads of their own: work waiting for a lock never takes the threads the rest of
        # the app (anyio's default limiter) needs.
        self._threads: anyio.CapacityLimiter | None = None

    async def run(self, work: Callable[[Connection], T], transaction: bool, repeatable: bool) -> T:
        if self._threads is None:
            self._threads = anyio.CapacityLimiter(2 * POOL_SIZE)
        with _waits_refused():
            return await anyio.to_thread.run_sync(
                self._run_retrying, work, transaction, repeatable, limiter=self._threads
            )

    def run_sync(self, work: Callable[[Connection], T], transaction: bool, repeatable: bool) -> T:
        with _waits_refused():
            return self._run_retrying(work, transaction, repeatable)

    def forget(self) -> None:
        """One connection found dead means the others in the pool (a server restart, a
        failover) are too, without a pre-ping to find out: a new pool, so that the retry and
        the next units of work connect afresh."""
        self.engine.dispose()

    def _run_retrying(
        self, work: Callable[[Connection], T], transaction: bool, repeatable: bool
    ) -> T:
        for _ in range(DEADLOCK_RETRIES):
            try:
                return self._run(work, transaction, repeatable)
            except LockHeld:
                continue
        raise refused()

    def _run(self, work: Callable[[Connection], T], transaction: bool, repeatable: bool) -> T:
        """Raises LockHeld when PostgreSQL broke a deadlock by aborting this work and it can
        run again (a lock timeout here has had the whole wait: refused)."""
        for last_attempt in (False, True):
            with closing(self.engine.raw_connection()) as proxy, autocommit(proxy) as driver:
                conn = Connection(driver, self.statements)
                try:
                    set_lock_wait(proxy, self.lock_wait_ms, sqlite=self.is_sqlite)
                    return run_unit(conn, work, transaction)
                except psycopg.errors.DeadlockDetected as exc:
                    conn.rollback()
                    if repeatable or not conn.committed:
                        raise LockHeld from exc
                    raise
                except psycopg.OperationalError:
                    if not conn.closed:
                        raise
                    proxy.invalidate()
                    self.forget()
                    if last_attempt or (conn.used and not repeatable):
                        raise
        raise AssertionError("unreachable")


@contextmanager
def _waits_refused() -> Iterator[None]:
    try:
        yield
    except PoolTimeout:
        raise refused() from None
    except LOCK_ERRORS as exc:
        if is_lock_wait(exc):
            raise refused() from exc
        raise


def set_lock_wait(proxy: Any, wait_ms: int, *, sqlite: bool) -> None:
    """How long the connection waits for a lock held elsewhere (the event loop's: not at all
    on SQLite, a few milliseconds on PostgreSQL; the pool's: `lock_wait`). Set when it
    changes: the pool keeps `info` with the connection."""
    if proxy.info.get("lock_wait_ms") == wait_ms:
        return
    if sqlite:
        proxy.driver_connection.execute(f"PRAGMA busy_timeout={wait_ms}")
    else:
        proxy.driver_connection.execute(f"SET lock_timeout = {wait_ms}")
    proxy.info["lock_wait_ms"] = wait_ms


def run_unit(conn: Connection, work: Callable[[Connection], T], transaction: bool) -> T:
    if not transaction:
        try:
            return work(conn)
        except BaseException:
            conn.rollback()  # a transaction `work` left open
            raise
    with conn.transaction():
        return work(conn)
