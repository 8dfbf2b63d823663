"""When the KPI worker takes a marked user (services/kpi_dirty.py): a delay after their last
mark, at most a cap after their first, so that a user busy sending events is recomputed once
they pause, not every few batches; and a marked company (services/kpi_company_marks.py): once
for the members computed within a delay of the first. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from shirube.services import kpi_worker
from shirube.services.kpi_company_marks import (
    COMPANY_DELAY,
    DueCompanies,
    due_companies,
    mark_companies,
    postpone_companies,
)
from shirube.services.kpi_dirty import CAP, DELAY, mark_company, mark_dirty
from shirube.services.published import PublishedCache
from shirube.storage import tables
from sqlalchemy import insert

from tests.api.helpers import at, ev, moment, publish, rows, send_events

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


GOAL = {"key": "g", "name": "G", "rules": [{"id": "r", "rule": {"type": "event", "event": "done"}}]}


def test_a_company_is_recounted_once_for_the_members_computed_meanwhile(
    client, database, workspace
):
    publish(client, workspace, "goal", GOAL)
    events = [
        ev(str(n), "done", user, company_id="c1", timestamp=at(n))
        for n, user in enumerate(["u1", "u2"], 1)
    ]
    send_events(client, workspace, events)
    cache = PublishedCache(4)
    # Two chunks of one user each: the company is marked by both, recounted by neither.
    for _ in range(2):
        assert database.run_sync(
            lambda c: kpi_worker.refresh_dirty(c, cache, limit=1, ahead=kpi_worker.AT_ONCE)
        )
    [mark] = rows(database, tables.kpi_dirty_company, workspace_id=workspace.id)
    assert (mark.company_id, mark.seq) == ("c1", 1)
    assert mark.due_at == mark.since + COMPANY_DELAY
    assert not rows(database, tables.kpi_company, workspace_id=workspace.id)
    # Not due before its delay.
    assert database.run_sync(lambda c: kpi_worker.recount_companies(c, cache)) == 0
    recount = partial(kpi_worker.recount_companies, cache=cache, ahead=COMPANY_DELAY)
    assert database.run_sync(recount) == 1
    [c1] = rows(database, tables.kpi_company, workspace_id=workspace.id, kind="goal")
    assert (c1.company_id, c1.users, c1.completed) == ("c1", 2, 2)
    assert not rows(database, tables.kpi_dirty_company, workspace_id=workspace.id)


def test_a_failing_recount_is_postponed_and_others_go_first(database, workspace):
    now = kpi_worker.utcnow()
    database.run_sync(lambda c: mark_companies(c, workspace.id, ["bad", "good"], now))
    marked = DueCompanies(workspace.id, ["bad"])
    later = now + timedelta(minutes=5)
    database.run_sync(lambda c: postpone_companies(c, marked, later))
    found = database.run_sync(
        lambda c: due_companies(c, ahead=COMPANY_DELAY + timedelta(seconds=1))
    )
    assert found == DueCompanies(workspace.id, ["good"])


def test_a_recounted_company_has_its_members_median_time_and_last_activity(
    client, database, workspace
):
    publish(client, workspace, "goal", GOAL)
    # u1: first seen at(1), done at(3): 2 s. u2: first seen at(2), done at(10): 8 s.
    # u3: first seen at(4), never done, last seen at(20).
    events = [
        ev("1", "look", "u1", company_id="c1", timestamp=at(1)),
        ev("2", "look", "u2", company_id="c1", timestamp=at(2)),
        ev("3", "done", "u1", company_id="c1", timestamp=at(3)),
        ev("4", "look", "u3", company_id="c1", timestamp=at(4)),
        ev("5", "done", "u2", company_id="c1", timestamp=at(10)),
        ev("6", "look", "u3", company_id="c1", timestamp=at(20)),
    ]
    send_events(client, workspace, events)
    kpi_worker.drain(database, PublishedCache(4))
    [c1] = rows(database, tables.kpi_company, workspace_id=workspace.id, kind="goal")
    assert (c1.users, c1.completed, c1.onboarded_at) == (3, 2, None)
    assert c1.median_seconds == 2.0  # nearest rank: the 1st of [2, 8]
    assert c1.last_activity_at == moment(20)


GOAL_OF_TWO = {
    "key": "g2",
    "name": "G2",
    "rules": [
        {"id": "a", "rule": {"type": "event", "event": "done"}},
        {"id": "b", "rule": {"type": "event", "event": "other"}},
    ],
}


def test_a_recomputed_row_is_written_only_when_its_figures_change(client, database, workspace):
    """`kpi_user.updated_at` moves when a figure does: a user recomputed with nothing new
    keeps the row as it was (no page written), the next part done rewrites it."""
    publish(client, workspace, "goal", GOAL_OF_TWO)
    send_events(client, workspace, [ev("1", "done", "u1", timestamp=at(1))])
    cache = PublishedCache(4)
    kpi_worker.drain(database, cache)
    [first] = rows(database, tables.kpi_user, workspace_id=workspace.id, kind="goal")
    assert (first.parts_done, first.completed_at) == (1, None)
    mark(database, workspace.id, ["u1"], kpi_worker.utcnow())
    kpi_worker.drain(database, cache)
    [same] = rows(database, tables.kpi_user, workspace_id=workspace.id, kind="goal")
    assert same == first
    send_events(client, workspace, [ev("2", "other", "u1", timestamp=at(2))])
    kpi_worker.drain(database, cache)
    [done] = rows(database, tables.kpi_user, workspace_id=workspace.id, kind="goal")
    assert (done.parts_done, done.completed_at) == (2, moment(2))
    assert done.started_at == first.started_at == moment(1)
    assert done.updated_at > first.updated_at
