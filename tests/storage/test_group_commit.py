"""Group commit (storage/group_commit.py): batches written in one transaction still succeed
or fail one by one, and nothing is answered before it is committed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from shirube.storage import Connection, Database, tables
from sqlalchemy import bindparam, func, select

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
    """The server ends the event loop's connection (a restart, a failover): the group is
    written again on a new connection instead of every batch failing."""
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
