"""Group commit (services/group_commit.py): batches written in one transaction still succeed
or fail one by one, and nothing is answered before it is committed."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest
from shirube.db import Database
from shirube.services.sql import Raw

pytestmark = pytest.mark.filterwarnings("error")


def _insert(name: str) -> object:
    def work(raw: Raw) -> tuple[str, list[Hashable]]:
        raw.run(
            "INSERT INTO admin (email, password_hash, created_at) VALUES (?, ?, ?)",
            (f"{name}@example.com", "x", "2026-01-01 00:00:00.000000"),
        )
        if name == "bad":
            raise ValueError("this batch fails after writing")
        return name, [("admin", name)]

    return work


def _emails(database: Database) -> set[str]:
    rows = database.run_raw_sync(lambda raw: raw.all("SELECT email FROM admin"))
    return {email for (email,) in rows}


def test_a_failing_batch_fails_alone(database: Database) -> None:
    if not database.raw_inline:
        pytest.skip("group commit serves the event-loop paths")

    async def scenario() -> list[object]:
        committer = database.group_commit
        return await asyncio.gather(
            *(committer.run(_insert(name)) for name in ("a", "bad", "b")),  # type: ignore[arg-type]
            return_exceptions=True,
        )

    outcomes = asyncio.run(scenario())
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], ValueError)
    assert _emails(database) == {"a@example.com", "b@example.com"}
    assert ("admin", "a") in database.known and ("admin", "bad") not in database.known


def test_batches_queued_together_share_a_commit(database: Database) -> None:
    if not database.raw_inline:
        pytest.skip("group commit serves the event-loop paths")
    names = [f"u{index}" for index in range(5)]

    async def scenario() -> list[object]:
        return await asyncio.gather(*(database.group_commit.run(_insert(n)) for n in names))  # type: ignore[arg-type]

    assert asyncio.run(scenario()) == names
    assert _emails(database) == {f"{name}@example.com" for name in names}


def test_a_client_gone_away_does_not_strand_the_group(database: Database) -> None:
    """A request cancelled while queued (its client disconnected) leaves a cancelled future;
    the writer must answer the others and still store the cancelled batch."""
    if not database.raw_inline:
        pytest.skip("group commit serves the event-loop paths")

    async def scenario() -> list[object]:
        committer = database.group_commit
        tasks = [
            asyncio.ensure_future(committer.run(_insert(name)))  # type: ignore[arg-type]
            for name in ("a", "gone", "b")
        ]
        await asyncio.sleep(0)  # all three queued, the writer not yet run
        tasks[1].cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], asyncio.CancelledError)
    assert _emails(database) == {"a@example.com", "gone@example.com", "b@example.com"}

    # The committer is not stuck: the next batch is written too.
    assert asyncio.run(database.group_commit.run(_insert("c"))) == "c"  # type: ignore[arg-type]


def test_no_connection_fails_the_group_and_the_next_one_is_written(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database.raw_inline:
        pytest.skip("group commit serves the event-loop paths")
    real_run_on_loop = database.run_on_loop

    def unreachable(work: object) -> object:
        raise OSError("database unreachable")

    monkeypatch.setattr(database, "run_on_loop", unreachable)

    async def scenario() -> list[object]:
        names = ("a", "b")
        return await asyncio.gather(
            *(database.group_commit.run(_insert(n)) for n in names),  # type: ignore[arg-type]
            return_exceptions=True,
        )

    assert all(isinstance(outcome, OSError) for outcome in asyncio.run(scenario()))
    monkeypatch.setattr(database, "run_on_loop", real_run_on_loop)
    assert asyncio.run(database.group_commit.run(_insert("c"))) == "c"  # type: ignore[arg-type]
    assert _emails(database) == {"c@example.com"}


def test_a_postgres_connection_lost_mid_group_is_replaced(database: Database) -> None:
    """The server ends the event loop's connection (a restart, a failover): the group is
    written again on a new connection instead of every batch failing."""
    if not database.raw_inline or database.is_sqlite:
        pytest.skip("PostgreSQL served on the event loop")
    import psycopg

    pid = database.run_on_loop(lambda raw: raw.one("SELECT pg_backend_pid()"))[0]  # type: ignore[index]
    url = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    async def scenario() -> list[object]:
        return await asyncio.gather(*(database.group_commit.run(_insert(n)) for n in ("a", "b")))  # type: ignore[arg-type]

    assert asyncio.run(scenario()) == ["a", "b"]
    assert _emails(database) == {"a@example.com", "b@example.com"}
