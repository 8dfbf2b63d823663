"""When the KPI worker takes a marked user (services/kpi_dirty.py): a delay after their last
mark, at most a cap after their first, so that a user busy sending events is recomputed once
they pause, not every few batches. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shirube.services import kpi_worker
from shirube.services.kpi_dirty import CAP, DELAY, mark_company, mark_dirty
from shirube.storage import tables
from sqlalchemy import insert

from tests.api.helpers import rows

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def due_at(database, workspace_id: int) -> dict[str, datetime]:
    return {
        r.user_id: r.due_at for r in rows(database, tables.kpi_dirty, workspace_id=workspace_id)
    }


def mark(database, workspace_id: int, users: list[str], at: datetime) -> None:
    database.run_sync(lambda c: mark_dirty(c, workspace_id, users, at))


def test_a_user_marked_again_is_due_a_delay_after_the_last_mark(database, workspace):
    mark(database, workspace.id, ["u1", "u2"], T0)
    mark(database, workspace.id, ["u1"], T0 + timedelta(seconds=3))
    assert due_at(database, workspace.id) == {
        "u1": T0 + timedelta(seconds=3) + DELAY,
        "u2": T0 + DELAY,
    }


def test_a_user_who_keeps_sending_is_due_at_most_a_cap_after_the_first_mark(database, workspace):
    step = timedelta(seconds=2)
    assert step < DELAY
    at = T0
    while at < T0 + 3 * CAP:
        mark(database, workspace.id, ["busy"], at)
        at += step
    [row] = rows(database, tables.kpi_dirty, workspace_id=workspace.id)
    assert row.since == T0
    assert T0 + CAP - step <= row.due_at <= T0 + CAP
    assert row.seq == int(3 * CAP / step) - 1


def test_members_of_a_company_marked_again_are_pushed_on_too(database, workspace):
    database.run_sync(
        lambda c: c.run(
            insert(tables.membership).values(
                workspace_id=workspace.id, user_id="m1", company_id="c1", created_at=T0
            )
        )
    )
    mark(database, workspace.id, ["m1"], T0)
    database.run_sync(lambda c: mark_company(c, workspace.id, "c1", T0 + timedelta(seconds=4)))
    assert due_at(database, workspace.id) == {"m1": T0 + timedelta(seconds=4) + DELAY}


def test_the_worker_takes_only_due_users_the_longest_due_first(database, workspace):
    now = kpi_worker.utcnow()
    mark(database, workspace.id, ["late"], now - DELAY + timedelta(seconds=60))
    mark(database, workspace.id, ["second"], now - DELAY - timedelta(seconds=1))
    mark(database, workspace.id, ["first"], now - DELAY - timedelta(seconds=2))
    found = database.run_sync(kpi_worker.due)
    assert found is not None and found.user_ids == ["first", "second"]
    assert database.run_sync(lambda c: kpi_worker.due(c, limit=1)).user_ids == ["first"]
    everything = database.run_sync(lambda c: kpi_worker.due(c, ahead=kpi_worker.AT_ONCE))
    assert everything.user_ids == ["first", "late", "second"]
