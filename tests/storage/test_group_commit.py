"""Group commit (storage/group_commit.py): batches written in one transaction still succeed
or fail one by one, and nothing is answered before it is committed. On PostgreSQL each batch
of a group has a transaction of its own: the same answers, and no deadlock between instances."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from shirube.storage import Connection, Database, tables
from sqlalchemy import bindparam, func, select, text

pytestmark = pytest.mark.filterwarnings("error")
T = TypeVar("T")

_ADD_ADMIN = tables.admin.insert().values(
    email=bindparam("email"), password_hash="x", created_at=bindparam("at"), session_epoch=0
)


def _insert(name: str) -> Callable[[Connection, None], str]:
    def work(conn: Connection, _checked: None) -> str:
        conn.run(_ADD_ADMIN, {"email": f"{name}@example.com", "at": datetime.now(UTC)})
        if name == "bad":
            raise ValueError("this batch fails after writing")
        return name

    return work


def _grouped(database: Database, name: str) -> Awaitable[str]:
    return database.run_grouped(_insert(name), check=lambda conn: None)


def _run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`scenario()` on an event loop of its own, in a thread of its own: the browser tests of
    the same run leave the main thread's loop running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


async def _one(database: Database, name: str) -> str:
    return await _grouped(database, name)


def _emails(database: Database) -> set[str]:
    rows = database.run_sync(lambda conn: conn.all(select(tables.admin.c.email)))
    return {email for (email,) in rows}


def test_a_failing_batch_fails_alone(database: Database) -> None:
    if not database.inline:
        pytest.skip("group commit serves the event-loop paths")

    async def scenario() -> list[object]:
        return await asyncio.gather(
            *(_grouped(database, name) for name in ("a", "bad", "b")),
            return_exceptions=True,
        )

    outcomes = _run(scenario)
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], ValueError)
    assert _emails(database) == {"a@example.com", "b@example.com"}


def test_batches_queued_together_share_a_commit(database: Database) -> None:
    if not database.inline:
        pytest.skip("group commit serves the event-loop paths")
    names = [f"u{index}" for index in range(5)]

    async def scenario() -> list[object]:
        return await asyncio.gather(*(_grouped(database, n) for n in names))

    assert _run(scenario) == names
    assert _emails(database) == {f"{name}@example.com" for name in names}


def test_a_client_gone_away_does_not_strand_the_group(database: Database) -> None:
    """A request cancelled while queued (its client disconnected) leaves a cancelled future;
    the writer must answer the others and still store the cancelled batch."""
    if not database.inline:
        pytest.skip("group commit serves the event-loop paths")

    async def scenario() -> list[object]:
        # The loop's connection open first (PostgreSQL opens it in a thread: an await).
        await database.run(lambda conn: None, transaction=False, hot=True)
        tasks = [asyncio.ensure_future(_grouped(database, name)) for name in ("a", "gone", "b")]
        await asyncio.sleep(0)  # all three queued, the writer not yet run
        tasks[1].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = _run(scenario)
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert _emails(database) == {"a@example.com", "gone@example.com", "b@example.com"}

    # The committer is not stuck: the next batch is written too.
    assert _run(lambda: _one(database, "c")) == "c"


def test_no_connection_fails_the_group_and_the_next_one_is_written(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database.inline:
        pytest.skip("group commit serves the event-loop paths")
    real_run_kept = database._run_kept

    async def scenario() -> list[object]:
        # Queued first (the key check runs on the loop before the batch joins a group),
        # then the database goes away before the group is written.
        futures = [_grouped(database, n) for n in ("a", "b")]

        def unreachable(*args: object) -> object:
            raise OSError("database unreachable")

        monkeypatch.setattr(database, "_run_kept", unreachable)
        return await asyncio.gather(*futures, return_exceptions=True)

    assert all(isinstance(outcome, OSError) for outcome in _run(scenario))
    monkeypatch.setattr(database, "_run_kept", real_run_kept)
    assert _run(lambda: _one(database, "c")) == "c"
    assert _emails(database) == {"c@example.com"}


def test_a_postgres_connection_lost_mid_group_is_replaced(database: Database) -> None:
    """The server ends the event loop's connection (a restart, a failover): the batches are
    written again on a new connection instead of failing."""
    if not database.inline or database.is_sqlite:
        pytest.skip("PostgreSQL served on the event loop")
    import psycopg

    pid = database.run_sync(
        lambda conn: conn.scalar(select(func.pg_backend_pid())), transaction=False
    )
    url = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    async def scenario() -> list[object]:
        return await asyncio.gather(*(_grouped(database, n) for n in ("a", "b")))

    assert _run(scenario) == ["a", "b"]
    assert _emails(database) == {"a@example.com", "b@example.com"}


def test_two_instances_writing_crossing_batches_never_deadlock(database: Database) -> None:
    """Instances behind a load balancer write batches at once. Each batch locks its rows in
    sorted order; a transaction holding several batches would lock them batch after batch,
    out of order, and two such transactions on two instances deadlock (PostgreSQL aborts one
    after a second, both instances' event loops stalled meanwhile). So on PostgreSQL each
    batch of a group has a transaction of its own."""
    if database.is_sqlite:
        pytest.skip("one writer at a time: SQLite takes its write lock before anything else")
    emails = [f"row{index}@example.com" for index in range(8)]
    now = datetime.now(UTC)
    database.run_sync(lambda conn: conn.many(_ADD_ADMIN, [{"email": e, "at": now} for e in emails]))
    bump = (
        tables.admin.update()
        .where(tables.admin.c.email == bindparam("e"))
        .values(session_epoch=tables.admin.c.session_epoch + 1)
    )

    def batch(rows: list[str]) -> Callable[[Connection, None], int]:
        def work(conn: Connection, _checked: None) -> int:
            for email in sorted(rows):  # as every batch does: its rows in one order
                conn.run(bump, {"e": email})
            return len(rows)

        return work

    def instance(url: str, seed: int) -> list[object]:
        other = Database(url)
        rng = random.Random(seed)

        async def scenario() -> list[object]:
            outcomes: list[object] = []
            for _ in range(15):
                # Batches queued together, each with rows the other instance's batches have.
                batches = [rng.sample(emails, 3) for _ in range(4)]
                outcomes += await asyncio.gather(
                    *(other.run_grouped(batch(rows), check=lambda conn: None) for rows in batches),
                    return_exceptions=True,
                )
            return outcomes

        try:
            return asyncio.run(scenario())
        finally:
            other.dispose()

    url = database.engine.url.render_as_string(hide_password=False)
    deadlocks_before = _deadlocks(database)
    with ThreadPoolExecutor(2) as pool:
        results = [pool.submit(instance, url, seed) for seed in (1, 2)]
        outcomes = [outcome for result in results for outcome in result.result()]
    assert [o for o in outcomes if not isinstance(o, int)] == []
    # A batch of a deadlocked group is written again on its own and may well succeed: the
    # server's count is what says whether any transaction was chosen as a victim.
    assert _deadlocks(database) == deadlocks_before
    total = database.run_sync(
        lambda conn: conn.scalar(select(func.sum(tables.admin.c.session_epoch)))
    )
    assert total == 2 * 15 * 4 * 3


def _deadlocks(database: Database) -> int:
    """Deadlocks PostgreSQL detected in this database (its statistics, flushed when the
    sessions that saw them end)."""
    query = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"

    def read(conn: Connection) -> int:
        conn.run(select(func.pg_stat_clear_snapshot()))
        return int(conn.scalar(text(query)))

    return database.run_sync(read, transaction=False)
