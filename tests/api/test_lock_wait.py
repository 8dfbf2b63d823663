"""A lock another process holds (storage/lock_wait.py): the requests that need it wait off the
event loop while every other request is served, and are refused with 503 and Retry-After,
storing nothing, when the lock outlasts the wait. Both engines; the lock is taken by a
connection of the test's own, as a second instance or a backup would."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx2
import psycopg
import pytest
from shirube.app import create_app
from shirube.errors import Unavailable
from shirube.settings import Settings
from shirube.storage import Database, tables
from shirube.storage.lock_wait import is_lock_wait
from sqlalchemy import func, make_url, select

from tests.api.helpers import ev
from tests.conftest import ORIGIN, WorkspaceKeys, make_workspace

T = TypeVar("T")


@contextmanager
def event_table_locked(database_url: str) -> Iterator[None]:
    """SQLite: another connection's write transaction (as another process's BEGIN IMMEDIATE
    or a backup takes); PostgreSQL: LOCK TABLE event ACCESS EXCLUSIVE."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as holder:
        holder.execute("LOCK TABLE event IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.rollback()


def _run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    # A loop of its own: the browser tests of the same run leave the main thread's running.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


@pytest.fixture
def serve(settings: Settings) -> Iterator[Callable[[float], tuple[Database, Any]]]:
    made: list[Database] = []

    def build(lock_wait: float) -> tuple[Database, Any]:
        database = Database(settings.database_url, lock_wait=lock_wait)
        made.append(database)
        return database, create_app(settings, database)

    yield build
    for database in made:
        database.dispose()


def _client(app: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://shirube")


def _stored(database: Database, event_id: str) -> int:
    count = select(func.count()).select_from(tables.event).where(tables.event.c.id == event_id)
    return int(database.run_sync(lambda conn: conn.scalar(count)))


async def _until_waiting(task: asyncio.Task[Any]) -> None:
    """Let the request reach its lock (a few turns of the loop and a moment in a thread)."""
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert not task.done(), "the request did not wait for the lock"


def test_other_requests_are_served_while_a_batch_waits_for_the_lock(
    settings: Settings, serve: Callable[[float], tuple[Database, Any]]
) -> None:
    database, app = serve(30.0)
    workspace = make_workspace(database)

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        async with _client(app) as client:
            with event_table_locked(settings.database_url):
                batch = asyncio.ensure_future(
                    client.post(
                        "/api/v1/events",
                        json={"events": [ev("waited-1", "clocked_in")]},
                        headers=workspace.auth,
                    )
                )
                await _until_waiting(batch)
                # Answered while the batch still waits: the loop is free.
                seen["healthz"] = (await client.get("/healthz")).status_code
                seen["readyz"] = (await client.get("/readyz")).status_code
                tours = await client.get("/api/v1/tours", headers=workspace.auth)
                seen["tours"] = tours.status_code
                seen["waiting_meanwhile"] = not batch.done()
            answer = await batch
            seen["batch"] = answer.status_code
        return seen

    seen = _run(scenario)
    assert seen == {
        "healthz": 200,
        "readyz": 200,
        "tours": 200,
        "waiting_meanwhile": True,
        "batch": 200,
    }
    assert _stored(database, "waited-1") == 1


def test_a_lock_held_past_the_wait_gets_503_and_the_retry_stores_once(
    settings: Settings, serve: Callable[[float], tuple[Database, Any]]
) -> None:
    database, app = serve(0.3)
    workspace = make_workspace(database)
    batch = {"events": [ev("refused-1", "clocked_in"), ev("refused-2", "clocked_in")]}

    async def scenario() -> list[httpx2.Response]:
        async with _client(app) as client:
            with event_table_locked(settings.database_url):
                refused = await client.post("/api/v1/events", json=batch, headers=workspace.auth)
                health = await client.get("/healthz")
            retried = await client.post("/api/v1/events", json=batch, headers=workspace.auth)
        return [refused, health, retried]

    refused, health, retried = _run(scenario)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "database_busy"
    assert health.status_code == 200
    assert retried.status_code == 200, retried.text
    assert _stored(database, "refused-1") == 1 and _stored(database, "refused-2") == 1


def test_a_widget_session_waits_off_the_loop_on_sqlite_too(
    settings: Settings, serve: Callable[[float], tuple[Database, Any]]
) -> None:
    """The session writes its user: on SQLite it needs the write lock as a batch does."""
    database, app = serve(30.0)
    workspace = make_workspace(database)
    body = {"public_key": workspace.public_key, "user_id": "waiting-user"}

    async def scenario() -> tuple[int, bool, int]:
        async with _client(app) as client:
            with event_table_locked(settings.database_url):
                session = asyncio.ensure_future(
                    client.post("/api/v1/widget/session", json=body, headers={"Origin": ORIGIN})
                )
                await asyncio.sleep(0.1)
                health = (await client.get("/healthz")).status_code
                waiting = not session.done()
            return health, waiting, (await session).status_code

    health, waiting, status = _run(scenario)
    assert health == 200 and status == 200
    # On PostgreSQL the event table's lock does not concern the session at all.
    assert waiting or not database.is_sqlite


def test_work_outside_the_loop_is_refused_when_the_lock_outlasts_the_wait(
    settings: Settings, workspace: WorkspaceKeys
) -> None:
    database = Database(settings.database_url, lock_wait=0.2)
    add = tables.event.insert().values(
        workspace_id=workspace.id,
        user_key=1,
        id="tool-1",
        name="n",
        properties={},
        user_id="u",
        timestamp=func.now(),
        received_at=func.now(),
        source="server",
    )
    try:
        with event_table_locked(settings.database_url), pytest.raises(Unavailable):
            database.run_sync(lambda conn: conn.run(add))
        database.run_sync(lambda conn: conn.run(add))
        assert _stored(database, "tool-1") == 1
    finally:
        database.dispose()


@pytest.mark.postgres
def test_ready_while_every_pooled_connection_waits_for_the_lock(
    settings: Settings, serve: Callable[[float], tuple[Database, Any]]
) -> None:
    """More batches wait than the pool has connections: readiness still answers (its own
    connection), and every batch is stored once the lock is gone."""
    database, app = serve(30.0)
    if database.is_sqlite:
        pytest.skip("PostgreSQL's pool")
    workspace = make_workspace(database)
    waiting = 24  # over the pool's 10 + 10 overflow

    async def scenario() -> tuple[int, int, list[int]]:
        async with _client(app) as client:
            with event_table_locked(settings.database_url):
                batches = [
                    asyncio.ensure_future(
                        client.post(
                            "/api/v1/events",
                            json={"events": [ev(f"pooled-{n}", "clocked_in")]},
                            headers=workspace.auth,
                        )
                    )
                    for n in range(waiting)
                ]
                await _until_waiting(batches[-1])
                ready = (await client.get("/readyz")).status_code
                health = (await client.get("/healthz")).status_code
            answers = await asyncio.gather(*batches)
        return ready, health, [answer.status_code for answer in answers]

    ready, health, statuses = _run(scenario)
    assert (ready, health) == (200, 200)
    assert statuses == [200] * waiting
    assert all(_stored(database, f"pooled-{n}") == 1 for n in range(waiting))


def test_which_driver_errors_are_lock_waits() -> None:
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
    snapshot = sqlite3.OperationalError("database is locked")
    snapshot.sqlite_errorcode = 517  # type: ignore[attr-defined]  # SQLITE_BUSY_SNAPSHOT
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    assert is_lock_wait(busy) and is_lock_wait(snapshot) and not is_lock_wait(full)
    assert is_lock_wait(psycopg.errors.LockNotAvailable())
    assert is_lock_wait(psycopg.errors.DeadlockDetected())
    assert not is_lock_wait(psycopg.errors.UniqueViolation())
    assert not is_lock_wait(psycopg.OperationalError("the connection is lost"))
