"""`Database`: the engine, its connections, and where a unit of work runs.

Every caller hands over a unit of work, a function of a `Connection`:

- `await db.run(work)`: in one transaction (or, with `transaction=False`, in autocommit mode,
  where `work` opens `conn.transaction()` around its writes: a widget session that only reads
  then costs no BEGIN/COMMIT);
- `await db.run_grouped(work)`: an event batch, queued with the batches that arrive meanwhile
  and, on SQLite, in a transaction shared with them (storage/group_commit.py);
- `db.run_sync(work)`: the same as `run`, for the CLI and tools outside the event loop.

Where work runs is decided here and nowhere else. SQLite, and a PostgreSQL server on this
machine, run on the event loop over one connection kept per process: handing a short
statement to a thread costs about 1.1 ms of CPU in GIL hand-offs on these 2-core machines,
twenty times the statement itself (docs/architecture.md), and one connection is also the
cheapest way to share SQLite's single writer. A remote PostgreSQL gets the thread pool and a
pool of connections. Work on the loop never waits there for a lock held elsewhere
(storage/lock_wait.py).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
import psycopg
from sqlalchemy import Select, literal_column, make_url, select
from sqlalchemy.pool import QueuePool

from shirube.storage.checkpoint import Checkpointer
from shirube.storage.connection import Connection
from shirube.storage.engine import is_loopback, make_engine
from shirube.storage.group_commit import GroupCommitter
from shirube.storage.lock_wait import (
    DEFAULT_LOCK_WAIT_SECONDS,
    LOCK_ERRORS,
    LOCK_SEEN_SECONDS,
    LOOP_LOCK_TIMEOUT_MS,
    LockHeld,
    delays,
    is_lock_wait,
    refused,
)
from shirube.storage.pooled import PooledWork, run_unit, set_lock_wait
from shirube.storage.readiness import PostgresProbe
from shirube.storage.statements import StatementCache, postgresql_dialect, sqlite_dialect

T = TypeVar("T")
C = TypeVar("C")


class Database:
    def __init__(
        self,
        url: str,
        *,
        inline: bool | None = None,
        lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS,
    ) -> None:
        """`inline`: run the hot paths' work on the event loop (the default for SQLite, where
        all work runs there, and for a PostgreSQL server on this machine); False gives a
        thread per unit of work and a pool (tests use it to write from several threads at
        once). `lock_wait`: how long a request waits for a lock held elsewhere before it
        is refused (storage/lock_wait.py)."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if inline is None:
            inline = self.is_sqlite or is_loopback(url)
        self.inline = inline
        self.lock_wait = lock_wait
        self.engine = make_engine(url, pooled=not (inline and self.is_sqlite), lock_wait=lock_wait)
        self.statements = StatementCache(
            sqlite_dialect() if self.is_sqlite else postgresql_dialect()
        )
        # The event loop's connection: SQLite's one connection; PostgreSQL's, made outside the
        # pool, so that a pool busy with work waiting for a lock never holds the loop up.
        self._loop_engine = (
            self.engine
            if self.is_sqlite or not inline
            else make_engine(url, pooled=False, lock_wait=lock_wait)
        )
        self._kept: Any = None
        # PostgreSQL: until then, hot work goes to a thread (lock_wait.LOCK_SEEN_SECONDS).
        self._lock_seen_until = 0.0
        self._loop_wait_ms = 0 if self.is_sqlite else LOOP_LOCK_TIMEOUT_MS
        self._pooled = PooledWork(self.engine, self.statements, lock_wait)
        self._probe = None if self.is_sqlite else PostgresProbe(url, self.statements)
        self._grouped = GroupCommitter(
            run_on_loop=lambda work: self._run_on_loop(work, False, True),
            run_waiting=lambda work: self._run_waiting(work, True, True),
            shared=self.is_sqlite,
        )
        # SQLite files that take event batches copy their WAL back in a thread (the loop's
        # COMMIT then only appends): storage/checkpoint.py.
        path = make_url(url).database if self.is_sqlite and inline else None
        self._checkpointer = Checkpointer(path) if path and path != ":memory:" else None

    # Units of work ----------------------------------------------------------------------------

    async def run(
        self,
        work: Callable[[Connection], T],
        *,
        transaction: bool = True,
        repeatable: bool = False,
        hot: bool = False,
    ) -> T:
        """`repeatable`: running `work` twice stores what running it once does (a widget
        session, an event batch), so a connection lost in the middle of it is replaced and
        the work run again; other work is run again only when nothing of it had run.
        `hot`: a hot path's short work (a widget session, a batch's key check), run on the
        event loop when PostgreSQL is on this machine too; the rest of the work goes to a
        thread there, where a long statement or a lock wait holds no other request up."""
        if self.inline and (hot or self.is_sqlite):
            if self._kept is None and not self.is_sqlite:
                await self._open_loop_connection()
            try:
                return self._run_on_loop(work, transaction, repeatable)
            except LockHeld:
                return await self._run_waiting(work, transaction, repeatable)
        return await self._pooled.run(work, transaction, repeatable)

    def run_sync(
        self, work: Callable[[Connection], T], *, transaction: bool = True, repeatable: bool = False
    ) -> T:
        """From any thread: on a connection of the pool, but for SQLite served on the event
        loop, whose one connection every unit of work shares."""
        if self.inline and self.is_sqlite:
            for delay in itertools.chain((0.0,), delays(self.lock_wait)):
                time.sleep(delay)
                try:
                    return self._run_kept(work, transaction, repeatable)
                except LockHeld:
                    continue
            raise refused()
        return self._pooled.run_sync(work, transaction, repeatable)

    async def run_grouped(
        self,
        work: Callable[[Connection, C], T],
        check: Callable[[Connection], C],
    ) -> T:
        """`check` (e.g. the key that names the workspace) runs first, alone, so that its
        refusal reaches this caller only; then `work(conn, checked)` writes, queued with the
        other batches that arrive meanwhile: on SQLite in a transaction shared with them, on
        PostgreSQL in a transaction of its own (storage/group_commit.py says why). Returns
        after the COMMIT."""
        if not self.inline:
            return await self.run(lambda conn: work(conn, check(conn)), repeatable=True, hot=True)
        checked = await self.run(check, transaction=False, repeatable=True, hot=True)
        if self._checkpointer is None:
            return await self._grouped.run(lambda conn: work(conn, checked))
        if not self._checkpointer.running and self._kept is not None:
            self._checkpointer.start(self._kept.driver_connection)
        try:
            return await self._grouped.run(lambda conn: work(conn, checked))
        finally:
            self._checkpointer.committed()

    async def _run_waiting(
        self, work: Callable[[Connection], T], transaction: bool, repeatable: bool
    ) -> T:
        """Work that met a lock held elsewhere on the loop's connection, run again where it
        may wait: SQLite's on the loop after sleeps, PostgreSQL's in a thread."""
        if not self.is_sqlite:
            return await self._pooled.run(work, transaction, repeatable)
        for delay in delays(self.lock_wait):
            await asyncio.sleep(delay)
            try:
                return self._run_kept(work, transaction, repeatable)
            except LockHeld:
                continue
        raise refused()

    async def _open_loop_connection(self) -> None:
        """Connecting is a network wait: done in a thread, not on the loop."""
        proxy = await anyio.to_thread.run_sync(self._loop_connection)
        if self._kept is None:
            self._kept = proxy
        else:  # another request opened it meanwhile
            proxy.close()

    def _run_on_loop(
        self, work: Callable[[Connection], T], transaction: bool, repeatable: bool
    ) -> T:
        """`_run_kept`, but PostgreSQL work goes straight off the loop (LockHeld) for a moment
        after work met a lock there: a table lock held for seconds then costs the loop one
        short wait, not one a request."""
        if self.is_sqlite:
            return self._run_kept(work, transaction, repeatable)
        if time.monotonic() < self._lock_seen_until:
            raise LockHeld
        try:
            return self._run_kept(work, transaction, repeatable)
        except LockHeld:
            self._lock_seen_until = time.monotonic() + LOCK_SEEN_SECONDS
            raise

    # A connection found dead (a server restart, a failover) is replaced, with the whole
    # pool, and the work run again on a new one when it is repeatable or none of its
    # statements had run (whatever the work, nothing of it happened then).

    def _run_kept(self, work: Callable[[Connection], T], transaction: bool, repeatable: bool) -> T:
        """On the event loop's one connection: units of work never interleave. Raises
        LockHeld when the work met a lock held elsewhere and can run again."""
        for last_attempt in (False, True):
            if self._kept is None:
                self._kept = self._loop_connection()
            conn = Connection(self._kept.driver_connection, self.statements)
            try:
                set_lock_wait(self._kept, self._loop_wait_ms, sqlite=self.is_sqlite)
                return run_unit(conn, work, transaction)
            except LOCK_ERRORS as exc:
                if not is_lock_wait(exc):
                    raise
                conn.rollback()
                # Work that committed part of itself before the lock is not run twice.
                if repeatable or not conn.committed:
                    raise LockHeld from exc
                raise refused() from exc
            except psycopg.OperationalError:
                if not conn.closed:
                    raise
                self._kept.invalidate()
                self._kept = None
                self._forget_pooled()
                if last_attempt or (conn.used and not repeatable):
                    raise
        raise AssertionError("unreachable")

    def _loop_connection(self) -> Any:
        proxy = self._loop_engine.raw_connection()
        driver: Any = proxy.driver_connection
        if not self.is_sqlite:
            driver.autocommit = True
        return proxy

    def _forget_pooled(self) -> None:
        self._pooled.forget()

    # Health and shutdown ----------------------------------------------------------------------

    async def ping_async(self) -> bool:
        """Readiness (storage/readiness.py): on SQLite, the loop's connection, where a
        statement that reads no table never waits."""
        if self._probe is not None:
            return await self._probe.ping()
        try:
            return await self.run(_select_one, transaction=False, hot=True)
        except Exception:
            return False

    def pool_status(self) -> PoolStatus:
        pool = self.engine.pool
        queue = pool if isinstance(pool, QueuePool) else None
        return PoolStatus(
            on_loop=self.inline,
            loop_connection=self._kept is not None,
            pool_size=None if queue is None else queue.size(),
            checked_out=0 if queue is None else queue.checkedout(),
            idle=0 if queue is None else queue.checkedin(),
            overflow=0 if queue is None else max(queue.overflow(), 0),
            batches_waiting=self._grouped.waiting,
        )

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._probe is not None:
            self._probe.close()
        if self._kept is not None:
            driver = self._kept.driver_connection
            if not self.is_sqlite and not driver.closed:
                driver.autocommit = False  # as the pool hands connections out
            self._kept.close()
            self._kept = None
        if self._loop_engine is not self.engine:
            self._loop_engine.dispose()
        self.engine.dispose()


def _select_one(conn: Connection) -> bool:
    return bool(conn.scalar(_ONE) == 1)


_ONE: Select[Any] = select(literal_column("1"))


@dataclass(frozen=True)
class PoolStatus:
    """What the connections are doing, for the metrics (read without any I/O)."""

    # Some units of work run on the event loop's own connection (SQLite: all of them).
    on_loop: bool
    # That connection is open now (it is opened by the first unit of work that needs it).
    loop_connection: bool
    # The pool of connections threads check out; None when there is none (SQLite on the loop).
    pool_size: int | None
    checked_out: int
    idle: int
    # Connections open beyond `pool_size` (up to as many again, then checkouts wait).
    overflow: int
    # Event batches queued behind the group commit being written.
    batches_waiting: int
