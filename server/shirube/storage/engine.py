"""The engines: how connections to each database are made and set up (pragmas, JSON
decoding, pool limits), and which PostgreSQL servers count as on this machine."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool, StaticPool

from shirube.storage.lock_wait import DEFAULT_LOCK_WAIT_SECONDS
from shirube.storage.types import json_loads

# What a database that is unreachable, or refuses, raises (for the CLI's one-line errors).
DATABASE_ERRORS = (SQLAlchemyError, sqlite3.Error, psycopg.Error)

WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
SQLITE_CACHE_KIB = 65536
SQLITE_MMAP_BYTES = 4 * 1024**3
POOL_SIZE = 10


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
    # Autocommit: `Connection.transaction()` says BEGIN IMMEDIATE itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Threads and tools wait this long for another writer; the event loop's connection sets
    # 0 (it never waits there: storage/lock_wait.py).
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
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
    # Pages read through a memory map of the file (the OS's page cache, shared by every
    # connection) rather than a read() and a copy each: once the database outgrows the page
    # cache (1 M events, 670 MB), an ingestion batch reads thousands of index pages. In-process
    # at 1 M stored, CPU per batch 150 -> 124 ms (medians of 3; bench/README.md). Writes still
    # go through the page cache and the WAL; a database past 4 GB is mapped up to there.
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def _postgres_setup(dbapi_connection: Any, _record: Any) -> None:
    # JSON decoded by orjson (exact for big integers: types.json_loads): the standard
    # library's json.loads took four decodes of 10-15 µs each per widget session.
    set_json_loads(json_loads, dbapi_connection)


def make_engine(url: str, *, pooled: bool, lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS) -> Engine:
    """The engine owns the connections (and serves Alembic). Without a pre-ping on checkout
    (a round trip per unit of work): a connection found dead is replaced instead. Waiting
    for a pooled connection is waiting for the database too: `lock_wait` at most."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {
            "connect_args": {"check_same_thread": False, "timeout": lock_wait}
        }
        if not pooled:
            kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_timeout"] = lock_wait
        engine = create_engine(url, **kwargs)
        busy_timeout_ms = round(lock_wait * 1000)
        event.listen(
            engine, "connect", lambda dbapi, _record: _sqlite_pragmas(dbapi, busy_timeout_ms)
        )
        # SQLAlchemy's own transactions (migrations) begin as `Connection.transaction()` does:
        # pysqlite would otherwise begin none, with the driver in autocommit mode.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return engine
    if pooled:
        engine = create_engine(
            url, pool_size=POOL_SIZE, max_overflow=POOL_SIZE, pool_timeout=lock_wait
        )
    else:
        # The event loop's own connection: never waits for the pool's (storage/database.py).
        engine = create_engine(url, poolclass=NullPool)
    event.listen(engine, "connect", _postgres_setup)
    return engine


@contextmanager
def autocommit(proxy: Any) -> Iterator[Any]:
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


def is_loopback(url: str) -> bool:
    """A PostgreSQL server on this machine answers a short statement in tens of
    microseconds, less than handing the work to a thread costs."""
    host = make_url(url).host
    return host in (None, "", "localhost", "127.0.0.1", "::1") or host.startswith("/")
