"""Edge cases of the KPI worker (found by a review): memberships made by events, completions
that never go back, chains of checklists, users in several companies, a failing workspace."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

from shirube.services import kpi_worker
from shirube.services.kpi_dirty import mark_dirty
from shirube.services.published import PublishedCache
from shirube.storage import tables
from shirube.timeutil import utcnow
from sqlalchemy import update

from tests.api.helpers import at, checklist_doc, ev, moment, progress, publish, rows, send_events

DAY = 86_400
GOAL = {"key": "g", "name": "G", "rules": [{"id": "r", "rule": {"type": "event", "event": "done"}}]}


def drain(database) -> None:
    kpi_worker.drain(database, PublishedCache(4))


def kpi(database, ws, table=tables.kpi_user, column="user_id") -> dict[str, Any]:
    return {getattr(r, column): r for r in rows(database, table, workspace_id=ws.id, kind="goal")}


def companies(database, ws) -> dict[str, Any]:
    return kpi(database, ws, tables.kpi_company, "company_id")


def test_a_company_joined_through_an_event_counts_its_user(client, workspace, database):
    publish(client, workspace, "goal", GOAL)
    send_events(client, workspace, [ev("1", "done", "u1", company_id="c1", timestamp=at(1))])
    drain(database)
    assert companies(database, workspace)["c1"].completed == 1
    # An event no rule reads, naming a second company.
    send_events(client, workspace, [ev("2", "page", "u1", company_id="c2", timestamp=at(2))])
    drain(database)
    assert companies(database, workspace)["c2"].completed == 1


def test_a_goal_completion_is_not_withdrawn_when_first_seen_moves_back(client, workspace, database):
    rule = {"type": "event", "event": "done", "within_days": 1}
    publish(client, workspace, "goal", {**GOAL, "rules": [{"id": "r", "rule": rule}]})
    send_events(client, workspace, [ev("1", "done", "u1", timestamp=at(10 * DAY))])
    drain(database)
    assert kpi(database, workspace)["u1"].completed_at == moment(10 * DAY)
    # A history import: an older event of another name moves first seen 10 days back.
    send_events(client, workspace, [ev("0", "signed_up", "u1", timestamp=at(0))])
    send_events(client, workspace, [ev("3", "done", "u1", timestamp=at(12 * DAY))])
    drain(database)
    assert kpi(database, workspace)["u1"].completed_at == moment(10 * DAY)


def _chain(length: int) -> list[dict[str, Any]]:
    first = {"id": "i", "title": "I", "completion": {"type": "event", "event": "go"}}
    docs = [checklist_doc("c0", [first])]
    for n in range(1, length):
        waits = {"type": "checklist_completed", "checklist": f"c{n - 1}"}
        docs.append(checklist_doc(f"c{n}", [{"id": "i", "title": "I", "completion": waits}]))
    return docs


def test_a_chain_of_checklists_completes_in_one_pass_of_the_worker(client, workspace, database):
    for doc in _chain(6):
        publish(client, workspace, "checklist", doc)
    drain(database)
    send_events(client, workspace, [ev("1", "go", "u1", timestamp=at(1))])
    drain(database)
    done = {r.checklist_key for r in rows(database, tables.checklist_item_progress)}
    assert done == {f"c{n}" for n in range(6)}


def test_a_chain_of_checklists_completes_in_one_catch_up(client, workspace, database):
    for doc in _chain(3):
        publish(client, workspace, "checklist", doc)
    send_events(client, workspace, [ev("1", "go", "u1", timestamp=at(1))])
    # No worker: the progress endpoint's catch-up alone.
    body = progress(client, workspace, "u1")
    assert {c["key"]: c["completed"] for c in body["checklists"]} == {"c0": 1, "c1": 1, "c2": 1}


def test_a_user_of_several_companies_is_in_the_audience_through_any(client, workspace, database):
    audience = {"all": [{"attribute": "company.plan", "op": "equals", "value": "ent"}]}
    publish(client, workspace, "goal", {**GOAL, "audience": audience})
    for company, plan in (("a-free", "free"), ("b-ent", "ent")):
        body = {"traits": {"plan": plan}}
        response = client.put(f"/api/v1/companies/{company}", json=body, headers=workspace.auth)
        assert response.status_code in (200, 201)
    body = {"traits": {}, "company_ids": ["a-free", "b-ent"]}
    assert client.put("/api/v1/users/u1", json=body, headers=workspace.auth).status_code in (
        200,
        201,
    )
    send_events(client, workspace, [ev("1", "done", "u1", timestamp=at(1))])
    drain(database)
    assert kpi(database, workspace)["u1"].in_audience
    assert companies(database, workspace)["b-ent"].users == 1


def test_a_failing_workspace_does_not_hold_up_the_others(
    client, workspace, other_workspace, database
):
    for ws in (workspace, other_workspace):
        publish(client, ws, "goal", GOAL)
    drain(database)
    # A stored goal that no longer validates (say a later release tightened a rule).
    [item] = rows(database, tables.content_item, workspace_id=workspace.id, kind="goal")
    database.run_sync(
        lambda c: c.run(
            update(tables.content_version)
            .where(tables.content_version.c.content_id == item.id)
            .values(document={"key": "g"})
        )
    )
    database.run_sync(lambda c: mark_dirty(c, workspace.id, ["u-bad"], utcnow() - timedelta(1)))
    send_events(client, other_workspace, [ev("1", "done", "u1", timestamp=at(1))])
    worker = kpi_worker.KpiWorker(database, PublishedCache(4))
    database.run_sync(
        lambda c: c.run(update(tables.kpi_dirty).values(due_at=utcnow() - timedelta(minutes=1)))
    )

    async def rounds() -> None:
        for _ in range(4):
            await worker.step()

    # In a thread of its own: the browser tests keep an event loop in the main thread.
    thread = threading.Thread(target=lambda: asyncio.run(rounds()))
    thread.start()
    thread.join(60)
    assert kpi(database, other_workspace)["u1"].completed_at == moment(1)
