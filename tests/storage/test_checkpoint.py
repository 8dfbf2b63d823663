"""WAL checkpoints off the event loop (storage/checkpoint.py): a SQLite file that takes event
batches has its WAL copied back by a thread of its own, the loop's automatic checkpoint
stays as a backstop, and the thread ends with the database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shirube.storage import Connection, Database, tables
from shirube.storage.checkpoint import FALLBACK_PAGES
from sqlalchemy import bindparam

pytestmark = pytest.mark.filterwarnings("error")

_ADD_ADMIN = tables.admin.insert().values(
    email=bindparam("email"), password_hash="x", created_at=bindparam("at"), session_epoch=0
)


def _write_batches(database: Database, count: int) -> None:
    async def scenario() -> None:
        for index in range(count):

            def work(conn: Connection, _checked: None, index: int = index) -> None:
                conn.run(_ADD_ADMIN, {"email": f"a{index}@example.com", "at": datetime.now(UTC)})

            await database.run_grouped(work, check=lambda conn: None)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(scenario())).result()


def test_batches_on_a_sqlite_file_are_checkpointed_in_a_thread(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("PostgreSQL has no WAL file to copy back")
    checkpointer = database._checkpointer
    assert checkpointer is not None and not checkpointer.running
    _write_batches(database, 3)
    assert checkpointer.running
    deadline = time.monotonic() + 5
    while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpointer.checkpoints >= 1
    mark = database.run_sync(
        lambda conn: conn.driver.execute("PRAGMA wal_autocheckpoint").fetchone()[0],
        transaction=False,
    )
    assert mark == FALLBACK_PAGES
    database.dispose()
    assert not checkpointer.running


def test_the_rows_are_in_the_database_file_after_the_checkpoint(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite only")
    _write_batches(database, 5)
    database.dispose()  # stops the thread; the last connection's close checkpoints the rest
    path = Path(database.url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM admin").fetchone()[0] == 5


def test_no_thread_for_a_database_in_memory() -> None:
    database = Database("sqlite:///:memory:")
    try:
        assert database._checkpointer is None
    finally:
        database.dispose()
