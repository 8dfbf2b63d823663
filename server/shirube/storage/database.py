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
pool of connections.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any, TypeVar

import anyio.to_thread
import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy import Engine, Select, create_engine, event, literal_column, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from shirube.storage.connection import Connection
from shirube.storage.group_commit import GroupCommitter
from shirube.storage.statements import StatementCache, postgresql_dialect, sqlite_dialect
from shirube.storage.types import json_loads

T = TypeVar("T")

# What a database that is unreachable, or refuses, raises (for the CLI's one-line errors).
DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error, psycopg.Error)
C = TypeVar("C")

SQLITE_BUSY_TIMEOUT_MS = 5000
WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
SQLITE_CACHE_KIB = 65536
POOL_SIZE = 10


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Autocommit: `Connection.transaction()` says BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # NORMAL in WAL mode: a commit survives any crash of Shirube or of another process; only
    # an OS crash or power cut can lose the last commits before a checkpoint. FULL would
    # fsync on every commit, which measured 7 ms a batch here (bench/README.md): the
    # embedded engine trades that last guarantee for throughput, as SQLite documents for WAL.
    # PostgreSQL, the production engine, keeps full durability.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint every ~40 MB of WAL instead of every 4 MB: a batch of events dirties a few
    # hundred pages (random index and counter pages), so the default checkpointed every few
    # batches, copying and fsyncing the same hot pages again each time (bench/README.md:
    # ingestion CPU per batch 5.1 -> 3.6 ms in-process). The file is cut back after each
    # checkpoint.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
    # Pages this process has read stay in memory (up to 64 MB, used only as it fills): with
    # the default 2 MB, sessions re-read pages of a 5 MB database with pread (bench/README.md).
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _postgres_setup(dbapi_connection: Any, _record: Any) -> None:
    # JSON decoded by orjson (exact for big integers: types.json_loads): the standard
    # library's json.loads took four decodes of 10-15 µs each per widget session.
    set_json_loads(json_loads, dbapi_connection)


def make_engine(url: str, *, pooled: bool) -> Engine:
    """The engine owns the connections (and serves Alembic). Without a pre-ping on checkout
    (a round trip per unit of work): a connection found dead is replaced instead."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 5}}
        if not pooled:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # SQLAlchemy's own transactions (migrations) begin as `Connection.transaction()` does:
        # pysqlite would otherwise begin none, with the driver in autocommit mode.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_SIZE)
    event.listen(engine, "connect", _postgres_setup)
    return engine


@contextmanager
def _autocommit(proxy: Any) -> Iterator[Any]:
    """A pooled connection in autocommit mode while a unit of work has it (`Connection` opens
    its transactions itself), back as the pool hands connections out afterwards: SQLAlchemy's
    own users of the engine (migrations) begin theirs the usual way."""
    driver = proxy.driver_connection
    if isinstance(driver, sqlite3.Connection):
        yield driver  # in autocommit mode for good: see _sqlite_pragmas
        return
    driver.autocommit = True
    try:
        yield driver
    finally:
        if not driver.closed:
            driver.autocommit = False


def _is_loopback(url: str) -> bool:
    """A PostgreSQL server on this machine answers a short statement in tens of
    microseconds, less than handing the work to a thread costs."""
    host = make_url(url).host
    return host in (None, "", "localhost", "127.0.0.1", "::1") or host.startswith("/")


class Database:
    def __init__(self, url: str, *, inline: bool | None = None) -> None:
        """`inline`: run the hot paths' work on the event loop (the default for SQLite, where
        all work runs there, and for a PostgreSQL server on this machine); False gives a
        thread per unit of work and a pool (tests use it to write from several threads at
        once)."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if inline is None:
            inline = self.is_sqlite or _is_loopback(url)
        self.inline = inline
        self.engine = make_engine(url, pooled=not (inline and self.is_sqlite))
        self.statements = StatementCache(
            sqlite_dialect() if self.is_sqlite else postgresql_dialect()
        )
        self._kept: Any = None  # the event loop's connection (a pool proxy)
        self._grouped = GroupCommitter(
            lambda work: self._run_kept(work, False, True), shared=self.is_sqlite
        )

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
            return self._run_kept(work, transaction, repeatable)
        return await anyio.to_thread.run_sync(self._run_pooled, work, transaction, repeatable)

    def run_sync(
        self, work: Callable[[Connection], T], *, transaction: bool = True, repeatable: bool = False
    ) -> T:
        """From any thread: on a connection of the pool, but for SQLite served on the event
        loop, whose one connection every unit of work shares."""
        if self.inline and self.is_sqlite:
            return self._run_kept(work, transaction, repeatable)
        return self._run_pooled(work, transaction, repeatable)

    def run_grouped(
        self,
        work: Callable[[Connection, C], T],
        check: Callable[[Connection], C],
    ) -> Awaitable[T]:
        """`check` (e.g. the key that names the workspace) runs first, alone, so that its
        refusal reaches this caller only; then `work(conn, checked)` writes, queued with the
        other batches that arrive meanwhile: on SQLite in a transaction shared with them, on
        PostgreSQL in a transaction of its own (storage/group_commit.py says why). Returns
        after the COMMIT."""
        if not self.inline:
            return self.run(lambda conn: work(conn, check(conn)), repeatable=True, hot=True)
        checked = self._run_kept(check, False, True)
        return self._grouped.run(lambda conn: work(conn, checked))

    # A connection found dead (a server restart, a failover) is replaced, with the whole
    # pool, and the work run again on a new one when it is repeatable or none of its
    # statements had run (whatever the work, nothing of it happened then).

    def _run_kept(self, work: Callable[[Connection], T], transaction: bool, repeatable: bool) -> T:
        """On the event loop's one connection: units of work never interleave."""
        for last_attempt in (False, True):
            if self._kept is None:
                self._kept = self.engine.raw_connection()
                if not self.is_sqlite:
                    self._kept.driver_connection.autocommit = True
            conn = Connection(self._kept.driver_connection, self.statements)
            try:
                return _in(conn, work, transaction)
            except psycopg.OperationalError:
                if not conn.closed:
                    raise
                self._kept.invalidate()
                self._kept = None
                self._forget_pooled()
                if last_attempt or (conn.used and not repeatable):
                    raise
        raise AssertionError("unreachable")

    def _run_pooled(
        self, work: Callable[[Connection], T], transaction: bool, repeatable: bool
    ) -> T:
        for last_attempt in (False, True):
            with closing(self.engine.raw_connection()) as proxy, _autocommit(proxy) as driver:
                conn = Connection(driver, self.statements)
                try:
                    return _in(conn, work, transaction)
                except psycopg.OperationalError:
                    if not conn.closed:
                        raise
                    proxy.invalidate()
                    self._forget_pooled()
                    if last_attempt or (conn.used and not repeatable):
                        raise
        raise AssertionError("unreachable")

    def _forget_pooled(self) -> None:
        """One connection found dead means the others in the pool (a server restart, a
        failover) are too, without a pre-ping to find out: a new pool, so that the retry and
        the next units of work connect afresh."""
        self.engine.dispose()

    # Health and shutdown ----------------------------------------------------------------------

    def ping(self) -> bool:
        try:
            return self.run_sync(_select_one, transaction=False)
        except Exception:
            return False

    async def ping_async(self) -> bool:
        try:
            return await self.run(_select_one, transaction=False)
        except Exception:
            return False

    def dispose(self) -> None:
        if self._kept is not None:
            driver = self._kept.driver_connection
            if not self.is_sqlite and not driver.closed:
                driver.autocommit = False  # as the pool hands connections out
            self._kept.close()
            self._kept = None
        self.engine.dispose()


def _select_one(conn: Connection) -> bool:
    return bool(conn.scalar(_ONE) == 1)


_ONE: Select[Any] = select(literal_column("1"))


def _in(conn: Connection, work: Callable[[Connection], T], transaction: bool) -> T:
    if not transaction:
        try:
            return work(conn)
        except BaseException:
            conn.rollback()  # a transaction `work` left open
            raise
    with conn.transaction():
        return work(conn)
