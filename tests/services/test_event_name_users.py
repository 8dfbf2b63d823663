"""Distinct users per event name (services/event_name_users.py): exact whatever the rollup's
lag on SQLite, for names tracked or not, in any workspace, with or without a segment; both
engines (PostgreSQL reads the log, its roll-up does nothing)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from shirube.services import event_name_users, kpi_worker, kpis
from shirube.services.kpi_model import KpiFilter
from shirube.services.published import PublishedCache
from shirube.storage.tables import event_name_user_mark
from sqlalchemy import update

from tests.services.kpi_rows import NOW, KpiRows

NAMES = ["a", "b", "c", "never"]


@pytest.fixture(autouse=True)
def nothing_asked_before():
    """Names asked in earlier tests' databases are not this test's."""
    event_name_users._asked.clear()


ADMINS, EVERYONE = KpiFilter(user_traits={"role": "admin"}), KpiFilter()


def _usage(database, workspace_id: int, filt: KpiFilter = EVERYONE) -> dict[str, int]:
    found = database.run_sync(lambda conn: kpis.feature_usage(conn, workspace_id, NAMES, filt))
    return {row.event: row.users for row in found}


def _roll(database, limit: int) -> int:
    return int(database.run_sync(lambda conn: event_name_users.roll_up(conn, limit)))


def _expected(sent: list[tuple[str, str]], kept: set[str] | None = None) -> dict[str, int]:
    return {
        name: len({u for u, n in sent if n == name and (kept is None or u in kept)})
        for name in NAMES
    }


def test_counts_stay_exact_while_the_rollup_catches_up(database, workspace, other_workspace):
    rows, other = KpiRows(database, workspace.id), KpiRows(database, other_workspace.id)
    for user, role in [("u1", "admin"), ("u2", "member"), ("u3", "admin")]:
        rows.user(user, NOW, role=role)
    sent: list[tuple[str, str]] = []

    def send(user: str, name: str) -> None:
        rows.event(user, name)
        other.event(user, name)  # the same names and users elsewhere count apart
        sent.append((user, name))

    for user, name in [("u1", "a"), ("u2", "a"), ("u1", "a"), ("u1", "b"), ("u3", "c")]:
        send(user, name)
    rolled = 0
    # Rolled up two events at a time, with more events (repeats, new pairs) in between.
    more: list[tuple[str, str] | None] = [("u2", "b"), ("u1", "a"), ("u3", "a"), *[None] * 5]
    for pair in more:
        assert _usage(database, workspace.id) == _expected(sent)
        assert _usage(database, workspace.id, ADMINS) == _expected(sent, {"u1", "u3"})
        rolled += _roll(database, 2)
        if pair is not None:
            send(*pair)
    assert _usage(database, workspace.id) == _expected(sent) == {"a": 3, "b": 2, "c": 1, "never": 0}
    assert _roll(database, 2) == 0
    # Only the asked names of the asked workspace.
    assert rolled == (len(sent) if database.is_sqlite else 0)

    # A mark set back (even to nothing) only rolls the same events up again.
    database.run_sync(lambda conn: conn.run(update(event_name_user_mark).values(event_rowid=0)))
    assert _usage(database, workspace.id) == _expected(sent)
    kpi_worker.drain(database, PublishedCache(4))
    assert _usage(database, workspace.id) == _expected(sent)
    assert _roll(database, 100) == 0


def test_a_workspace_without_events_counts_nothing(database, workspace):
    KpiRows(database, workspace.id).user("u1", NOW)
    assert _usage(database, workspace.id) == dict.fromkeys(NAMES, 0)
    assert _roll(database, 10) == 0


def test_the_worker_rolls_events_up(database, workspace):
    rows = KpiRows(database, workspace.id)
    rows.user("u1", NOW)
    for name in ["a", "a", "b", "c"]:
        rows.event("u1", name)
    kpi_worker.drain(database, PublishedCache(4))
    assert _roll(database, 100) == 0  # nothing asked yet
    assert not database.run_sync(event_name_users.has_work, transaction=False)
    assert _usage(database, workspace.id) == {"a": 1, "b": 1, "c": 1, "never": 0}
    assert database.run_sync(event_name_users.has_work, transaction=False) is database.is_sqlite
    worker = kpi_worker.KpiWorker(database, PublishedCache(4))
    busy: list[bool] = []

    async def rounds() -> None:
        for _ in range(3):
            busy.append(await worker.step())

    # In a thread of its own: the browser tests keep an event loop in the main thread.
    thread = threading.Thread(target=lambda: asyncio.run(rounds()))
    thread.start()
    thread.join(60)
    # Tracked, then each name rolled up, one per step (SQLite); then nothing left.
    assert busy == ([True, True, True] if database.is_sqlite else [False] * 3)
    kpi_worker.drain(database, PublishedCache(4))
    assert not database.run_sync(event_name_users.has_work, transaction=False)
    rolled: Any = database.run_sync(
        lambda conn: conn.all(event_name_users.event_name_user.select())
    )
    if database.is_sqlite:
        assert sorted((r.name, r.user_id) for r in rolled) == [
            ("a", "u1"),
            ("b", "u1"),
            ("c", "u1"),
        ]
    else:
        assert rolled == []
    assert _usage(database, workspace.id) == {"a": 1, "b": 1, "c": 1, "never": 0}
