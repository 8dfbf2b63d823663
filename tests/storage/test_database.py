"""`Database`: where units of work run, transactions that end whatever happens, connections
found dead replaced with their whole pool, and lists bound without losing a character."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from shirube.storage import Connection, Database, in_values, tables
from sqlalchemy import bindparam, func, literal_column, select

_ONE = select(literal_column("1"))


def _thread_of(database: Database, *, hot: bool) -> int:
    async def work() -> int:
        return await database.run(lambda conn: threading.get_ident(), hot=hot)

    with ThreadPoolExecutor(1) as pool:  # a loop of its own, in a thread of its own
        loop_thread, worker = pool.submit(
            lambda: (threading.get_ident(), asyncio.run(work()))
        ).result()
    return 0 if worker == loop_thread else 1


def test_hot_work_runs_on_the_event_loop_and_the_rest_in_a_thread_for_postgres(
    database: Database,
) -> None:
    """SQLite: all work on the loop's one connection. A PostgreSQL server on this machine:
    the hot paths on the loop, everything else (a publish copying events, an export, a lock
    wait) in a thread, where it holds no other request up."""
    assert _thread_of(database, hot=True) == 0
    assert _thread_of(database, hot=False) == (0 if database.is_sqlite else 1)


class _CommitRefused:
    """A sqlite3 connection whose COMMIT fails (busy, a full disk)."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            raise psycopg.OperationalError("database is locked")  # any driver error
        return self._driver.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._driver, name)


def test_a_refused_commit_leaves_no_transaction_open(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("psycopg ends the transaction itself")
    add = tables.admin.insert().values(
        email="a@example.com", password_hash="x", created_at=func.now(), session_epoch=0
    )

    def work(conn: Connection) -> bool:
        refusing = Connection(_CommitRefused(conn.driver), database.statements)
        with pytest.raises(psycopg.OperationalError), refusing.transaction():
            refusing.run(add)
        return bool(conn.driver.in_transaction)

    assert database.run_sync(work, transaction=False) is False
    count = select(func.count()).select_from(tables.admin)
    assert database.run_sync(lambda conn: conn.scalar(count), transaction=False) == 0


def test_connections_found_dead_are_replaced_with_their_pool(database_url: str) -> None:
    """The server restarted: every pooled connection is dead, and a unit of work that is not
    repeatable still runs (its first statement found the connection dead: nothing of it ran)."""
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's connections")
    database = Database(database_url, inline=False)
    try:
        proxies = [database.engine.raw_connection() for _ in range(3)]
        pids = [proxy.driver_connection.info.backend_pid for proxy in proxies]
        for proxy in proxies:
            proxy.close()  # back to the pool
        url = database.engine.url.set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as a:
            for pid in pids:
                a.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert database.run_sync(lambda conn: conn.scalar(_ONE)) == 1
        assert database.run_sync(lambda conn: conn.scalar(_ONE)) == 1
    finally:
        database.dispose()


def test_a_listed_value_longer_than_its_column_matches_nothing(database: Database) -> None:
    """The list is cast to the column's type without its length: a cast to VARCHAR(128)
    would cut a 200-character id down to the stored 128-character one."""
    stored = "x" * 128
    add = tables.event.insert().values(
        workspace_id=1,
        user_key=1,
        id=stored,
        name="n",
        properties={},
        user_id="u",
        timestamp=func.now(),
        received_at=func.now(),
        source="server",
    )
    database.run_sync(lambda conn: conn.run(add))
    query = select(tables.event.c.id).where(
        tables.event.c.workspace_id == bindparam("ws"), in_values(tables.event.c.id, "ids")
    )

    def found(ids: list[str]) -> list[Any]:
        return database.run_sync(lambda conn: conn.all(query, {"ws": 1, "ids": ids}))

    assert [row.id for row in found([stored])] == [stored]
    assert found(["x" * 200]) == []
