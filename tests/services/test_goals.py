"""Goals measured by the KPI worker: each user's and each company's completion in event time,
incremental (marked users) and recomputed (the backfill after a publish), on both engines."""

from __future__ import annotations

from typing import Any

from shirube.services import kpi_worker
from shirube.services.published import PublishedCache
from shirube.storage import tables

from tests.api.helpers import at, checklist_doc, ev, moment, publish, rows, send_events

ADMIN = {"all": [{"attribute": "user.role", "op": "equals", "value": "admin"}]}


def admin_goal(**extra: Any) -> dict[str, Any]:
    return {
        "key": "admin-onboarded",
        "name": {"ja": "管理者のオンボーディング", "en": "Admin onboarded"},
        "audience": ADMIN,
        "rules": [
            {"id": "import", "rule": {"type": "event", "event": "employees_imported"}},
            {
                "id": "invite",
                "rule": {"type": "event", "event": "member_invited", "where": {"role": "manager"}},
            },
            {"id": "clock", "rule": {"type": "event", "event": "clocked_in", "min_count": 2}},
        ],
        **extra,
    }


def put_user(client, ws, user_id: str, role: str, company: str = "c1") -> None:
    response = client.put(
        f"/api/v1/users/{user_id}",
        json={"traits": {"role": role}, "company_ids": [company]},
        headers=ws.auth,
    )
    assert response.status_code in (200, 201), response.text


def kpi_users(database, workspace, kind: str = "goal") -> dict[str, Any]:
    return {
        r.user_id: r for r in rows(database, tables.kpi_user, workspace_id=workspace.id, kind=kind)
    }


def kpi_companies(database, workspace, kind: str = "goal") -> dict[str, Any]:
    return {
        r.company_id: r
        for r in rows(database, tables.kpi_company, workspace_id=workspace.id, kind=kind)
    }


def drain(database) -> None:
    kpi_worker.drain(database, PublishedCache(4))


def test_goal_completes_at_the_event_time_of_its_last_rule(client, workspace, database):
    publish(client, workspace, "goal", admin_goal())
    put_user(client, workspace, "a1", "admin")
    put_user(client, workspace, "e1", "employee")
    send_events(
        client,
        workspace,
        [
            ev("1", "employees_imported", "a1", timestamp=at(10)),
            ev("2", "member_invited", "a1", properties={"role": "employee"}, timestamp=at(11)),
            ev("3", "clocked_in", "a1", timestamp=at(30)),
        ],
    )
    drain(database)
    users = kpi_users(database, workspace)
    assert users["a1"].in_audience and not users["e1"].in_audience
    assert users["a1"].completed_at is None and users["a1"].parts_done == 1
    # A manager invited, and the 2nd clock-in arrives before the 1st in event time.
    send_events(
        client,
        workspace,
        [
            ev("4", "member_invited", "a1", properties={"role": "manager"}, timestamp=at(20)),
            ev("5", "clocked_in", "a1", timestamp=at(25)),
        ],
    )
    drain(database)
    a1 = kpi_users(database, workspace)["a1"]
    assert (a1.completed_at, a1.parts_done, a1.started_at) == (moment(30), 3, moment(10))
    # An earlier clock-in arriving last moves the completion back (2nd earliest: 25).
    send_events(client, workspace, [ev("6", "clocked_in", "a1", timestamp=at(5))])
    drain(database)
    assert kpi_users(database, workspace)["a1"].completed_at == moment(25)
    company = kpi_companies(database, workspace)["c1"]
    assert (company.users, company.completed, company.onboarded_at) == (1, 1, moment(25))


def test_publishing_after_the_events_backfills_every_user(client, workspace, database):
    for n in range(7):
        put_user(client, workspace, f"a{n}", "admin", company=f"c{n % 2}")
    send_events(
        client,
        workspace,
        [ev(f"i{n}", "employees_imported", f"a{n}", timestamp=at(n)) for n in range(7)]
        + [
            ev(f"m{n}", "member_invited", f"a{n}", properties={"role": "manager"}, timestamp=at(n))
            for n in range(7)
        ]
        + [
            ev(f"k{n}{r}", "clocked_in", f"a{n}", timestamp=at(n + r))
            for n in range(4)
            for r in (1, 2)
        ],
    )
    drain(database)  # nothing published yet: no rows
    assert kpi_users(database, workspace) == {}
    publish(client, workspace, "goal", admin_goal(company={"type": "share", "percent": 50}))
    [job] = rows(database, tables.kpi_job, workspace_id=workspace.id)
    assert (job.state, job.total_users) == ("queued", 7)
    kpi_worker.drain(database, PublishedCache(4), limit=3)  # several chunks
    [job] = rows(database, tables.kpi_job, workspace_id=workspace.id)
    assert (job.state, job.done_users) == ("done", 7)
    users = kpi_users(database, workspace)
    assert {u: r.completed_at for u, r in users.items() if r.completed_at} == {
        f"a{n}": moment(n + 2) for n in range(4)
    }
    companies = kpi_companies(database, workspace)
    # c0: a0, a2, a4, a6 (a0, a2 completed: 2 of 4 = 50 % at a2's time); c1: a1, a3, a5.
    assert (companies["c0"].users, companies["c0"].completed) == (4, 2)
    assert companies["c0"].onboarded_at == moment(4)
    assert (companies["c1"].users, companies["c1"].completed) == (3, 2)
    assert companies["c1"].onboarded_at == moment(5)  # ceil(1.5) = 2nd: a3 at 5


def test_checklist_items_with_derived_rules_are_caught_up_by_the_worker(
    client, workspace, database
):
    setup = checklist_doc(
        "setup",
        [
            {
                "id": "import",
                "title": "Import",
                "completion": {"type": "event", "event": "imported"},
            },
            {
                "id": "early",
                "title": "Clock in twice in a day",
                "completion": {
                    "type": "event",
                    "event": "clocked_in",
                    "min_count": 2,
                    "within_days": 1,
                },
            },
        ],
    )
    after = checklist_doc(
        "after",
        [
            {
                "id": "done",
                "title": "Setup done",
                "completion": {"type": "checklist_completed", "checklist": "setup"},
            }
        ],
    )
    publish(client, workspace, "checklist", setup)
    publish(client, workspace, "checklist", after)
    put_user(client, workspace, "a1", "admin")
    send_events(
        client,
        workspace,
        [
            ev("1", "imported", "a1", timestamp=at(1)),
            ev("2", "clocked_in", "a1", timestamp=at(2)),
            ev("3", "clocked_in", "a1", timestamp=at(3)),
        ],
    )
    drain(database)
    items = {
        (r.checklist_key, r.item_id): r.completed_at
        for r in rows(database, tables.checklist_item_progress, workspace_id=workspace.id)
    }
    assert items == {
        ("setup", "import"): moment(1),
        ("setup", "early"): moment(3),
        ("after", "done"): moment(3),
    }
    checklists = kpi_users(database, workspace, kind="checklist")
    assert checklists["a1"].completed_at == moment(3)


def test_content_a_published_goal_waits_for_cannot_be_unpublished(client, workspace, database):
    first = checklist_doc(
        "first", [{"id": "a", "title": "A", "completion": {"type": "event", "event": "x"}}]
    )
    publish(client, workspace, "checklist", first)
    waits = {"type": "checklist_completed", "checklist": "first"}
    publish(
        client, workspace, "goal", {"key": "g", "name": "G", "rules": [{"id": "r", "rule": waits}]}
    )
    response = client.post("/api/v1/checklists/first/unpublish", headers=workspace.auth)
    assert response.status_code == 409
    assert "goal g" in response.json()["error"]["message"]
    assert client.post("/api/v1/goals/g/unpublish", headers=workspace.auth).status_code == 200
    assert (
        client.post("/api/v1/checklists/first/unpublish", headers=workspace.auth).status_code == 200
    )
