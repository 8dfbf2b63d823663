"""Engine creation and the ways request handlers reach the database.

SQLite runs short statements directly on the event loop: a thread hand-off costs more than the
statement itself (see docs/architecture.md), and a single connection per process is also the
fastest way to share SQLite's single writer. PostgreSQL work goes to the thread pool, except
the hot paths' (`run_raw`) when the server is on this machine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any, TypeVar

import anyio.to_thread
import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from shirube.services.group_commit import GroupCommitter
from shirube.services.known_rows import KnownRows
from shirube.services.sql import Raw, json_loads

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 5000
WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
SQLITE_CACHE_KIB = 65536


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
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


def make_engine(url: str, *, inline: bool = True) -> Engine:
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 5}}
        if inline:
            # One connection per process: every statement runs on the event loop in turn.
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN
        # so two processes never deadlock upgrading a read lock.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        _disable_pysqlite_begin(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _disable_pysqlite_begin(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _autocommit_off(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None


def _is_loopback(url: str) -> bool:
    """A PostgreSQL server on this machine answers a short statement in tens of
    microseconds, less than handing the work to a thread costs (docs/architecture.md)."""
    host = make_url(url).host
    return host in (None, "", "localhost", "127.0.0.1", "::1") or host.startswith("/")


def _hot_path_json(dbapi_connection: Any, _record: Any) -> None:
    """JSON columns on the hot paths' connections decoded by orjson (services/sql.json_loads,
    exact for big integers): psycopg's default, the standard library's json.loads, took four
    decodes of 10-15 µs each per widget session. The ORM's connections keep the default."""
    set_json_loads(json_loads, dbapi_connection)


class Database:
    """Owns the engines. `run` executes one unit of work in one ORM transaction; `run_raw`
    one unit of hot-path work on the driver connection (services/sql.py)."""

    def __init__(self, url: str, *, inline: bool | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.inline = self.is_sqlite if inline is None else inline
        self.engine = make_engine(url, inline=self.inline)
        self._inline_raw: Any = None
        # Hints for the write paths (services/known_rows.py), per process and database.
        self.known = KnownRows()
        self.group_commit = GroupCommitter(self)
        # Hot paths (widget session, ingestion) on the event loop: SQLite always when inline;
        # PostgreSQL when the server is on this machine (see `_is_loopback`).
        self.raw_inline = (
            self.inline if self.is_sqlite else (inline is not False and _is_loopback(url))
        )
        # The hot paths' own pool on PostgreSQL, without the pre-ping round trip on every
        # checkout: a connection that broke (server restart) is replaced and the work run
        # once more instead (every hot-path unit of work is safe to repeat).
        self._raw_engine = (
            self.engine
            if self.is_sqlite
            else create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=False)
        )
        if not self.is_sqlite:
            event.listen(self._raw_engine, "connect", _hot_path_json)

    def run_sync(self, work: Callable[[Session], T]) -> T:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            return work(session)

    async def run(self, work: Callable[[Session], T]) -> T:
        if self.inline:
            return self.run_sync(work)
        return await anyio.to_thread.run_sync(self.run_sync, work)

    def run_raw_sync(self, work: Callable[[Raw], T]) -> T:
        """`work` on a driver connection in autocommit mode: reads run one statement at a
        time, and `work` wraps its writes in `write_transaction` (no BEGIN/COMMIT round
        trips on PostgreSQL for a session that only reads)."""
        if self.is_sqlite:
            if self.inline:
                return self.run_on_loop(work)
            with closing(self.engine.raw_connection()) as proxy:
                return work(Raw(proxy.driver_connection, is_sqlite=True))
        for attempt in (1, 2):
            proxy = self._raw_engine.raw_connection()
            conn: Any = proxy.driver_connection
            try:
                conn.autocommit = True
                return work(Raw(conn, is_sqlite=False))
            except psycopg.OperationalError:
                if attempt == 1 and conn.closed:
                    proxy.invalidate()
                    continue
                raise
            finally:
                if not conn.closed:
                    conn.autocommit = False  # as the pool hands connections out
                proxy.close()
        raise AssertionError("unreachable")

    async def run_raw(self, work: Callable[[Raw], T]) -> T:
        if self.raw_inline:
            return self.run_on_loop(work)
        return await anyio.to_thread.run_sync(self.run_raw_sync, work)

    def run_on_loop(self, work: Callable[[Raw], T]) -> T:
        """On the event loop's one connection, kept checked out: work never interleaves."""
        for attempt in (1, 2):
            if self._inline_raw is None:
                # SQLite: StaticPool's one connection, which the Sessions use too.
                self._inline_raw = self._raw_engine.raw_connection()
                if not self.is_sqlite:
                    self._inline_raw.driver_connection.autocommit = True
            conn: Any = self._inline_raw.driver_connection
            try:
                return work(Raw(conn, is_sqlite=self.is_sqlite))
            except psycopg.OperationalError:
                if attempt == 1 and conn.closed:
                    self._inline_raw.invalidate()
                    self._inline_raw = None
                    continue
                raise
        raise AssertionError("unreachable")

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def ping_async(self) -> bool:
        if self.inline:
            return self.ping()
        return await anyio.to_thread.run_sync(self.ping)

    def dispose(self) -> None:
        if self._inline_raw is not None:
            if not self.is_sqlite and not self._inline_raw.driver_connection.closed:
                self._inline_raw.driver_connection.autocommit = False
            self._inline_raw.close()
            self._inline_raw = None
        if self._raw_engine is not self.engine:
            self._raw_engine.dispose()
        self.engine.dispose()
