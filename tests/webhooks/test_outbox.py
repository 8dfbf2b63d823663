"""The outbox: deliveries written in the transaction of the change they tell of, once per
endpoint and transition, on every path that first stores that change; nothing (not even a
statement) for a workspace without endpoints."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from shirube.services import webhook_outbox as outbox
from shirube.services.ingest import NewEvent, ingest_batch
from shirube.services.webhook_kinds import CHECKLIST_COMPLETED
from shirube.storage import Database, tables
from shirube.storage.statements import sqlite_dialect
from starlette.testclient import TestClient

from tests.api.helpers import (
    checklist_doc,
    count,
    ev,
    event_item,
    manual_item,
    moment,
    open_session,
    progress,
    publish,
    published_now,
    rows,
    send_events,
    tour_doc,
    tour_item,
    wev,
    widget_send,
)
from tests.conftest import WorkspaceKeys, make_workspace
from tests.webhooks.conftest import add_endpoint, deliveries


def _detail(client: TestClient, ws: WorkspaceKeys, endpoint_id: int, delivery_id: int) -> Any:
    response = client.get(
        f"/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}", headers=ws.auth
    )
    assert response.status_code == 200, response.text
    return response.json()


def _setup_checklist(client: TestClient, ws: WorkspaceKeys) -> int:
    return publish(
        client,
        ws,
        "checklist",
        checklist_doc("setup", [event_item("report", "report.viewed"), manual_item("guide")]),
    )


def test_a_checklist_completed_by_its_last_item_is_told_once(client, workspace, receiver):
    version = _setup_checklist(client, workspace)
    hook = add_endpoint(client, workspace, receiver.url, ["checklist.completed"])
    send_events(
        client,
        workspace,
        [ev("e1", "report.viewed", company_id="c1", timestamp=moment(0).isoformat())],
    )
    assert deliveries(client, workspace, hook["id"]) == []

    last = ev(
        "e2",
        "$checklist_item_completed",
        properties={"checklist": "setup", "item": "guide"},
        timestamp=moment(60).isoformat(),
    )
    send_events(client, workspace, [last])
    send_events(client, workspace, [last])  # a retried batch: the same event id
    send_events(client, workspace, [ev("e3", "report.viewed")])  # after completion: nothing
    found = deliveries(client, workspace, hook["id"])
    assert [(d["kind"], d["state"], d["attempt_count"]) for d in found] == [
        ("checklist.completed", "pending", 0)
    ]
    payload = _detail(client, workspace, hook["id"], found[0]["id"])["payload"]
    assert payload == {
        "type": "checklist.completed",
        "timestamp": "2026-01-05T09:01:00Z",
        "data": {
            "user_id": "u1",
            "company_ids": ["c1"],
            "checklist": {"key": "setup", "version": version},
            "completed_at": "2026-01-05T09:01:00Z",
        },
    }
    assert found[0]["webhook_id"].startswith("msg_")


def test_every_endpoint_of_a_kind_gets_the_message_with_one_webhook_id(client, workspace, receiver):
    _setup_checklist(client, workspace)
    first = add_endpoint(client, workspace, receiver.url, ["checklist.completed"])
    second = add_endpoint(
        client, workspace, receiver.url + "/2", ["tour.completed", "checklist.completed"]
    )
    tours_only = add_endpoint(client, workspace, receiver.url + "/3", ["tour.completed"])
    off = add_endpoint(
        client, workspace, receiver.url + "/4", ["checklist.completed"], enabled=False
    )
    manual = {"checklist": "setup", "item": "guide"}
    send_events(
        client,
        workspace,
        [ev("e1", "report.viewed"), ev("e2", "$checklist_item_completed", properties=manual)],
    )
    ids = {
        endpoint["id"]: [d["webhook_id"] for d in deliveries(client, workspace, endpoint["id"])]
        for endpoint in (first, second, tours_only, off)
    }
    assert ids[tours_only["id"]] == [] and ids[off["id"]] == []
    assert len(ids[first["id"]]) == 1 and ids[first["id"]] == ids[second["id"]]


def test_a_tour_is_told_completed_the_first_time_only(client, workspace, receiver):
    publish(client, workspace, "tour", tour_doc("welcome"))
    send_events(
        client, workspace, [ev("t0", "$tour_completed", "early", properties={"tour": "welcome"})]
    )
    hook = add_endpoint(client, workspace, receiver.url, ["tour.completed"])
    send_events(
        client,
        workspace,
        [
            ev("t1", "$tour_completed", properties={"tour": "welcome", "version": 1}),
            ev("t2", "$tour_completed", properties={"tour": "welcome"}),
        ],
    )
    send_events(client, workspace, [ev("t3", "$tour_completed", properties={"tour": "welcome"})])
    # Completed before the endpoint existed: completing it again tells nothing.
    send_events(
        client, workspace, [ev("t4", "$tour_completed", "early", properties={"tour": "welcome"})]
    )
    found = deliveries(client, workspace, hook["id"])
    assert len(found) == 1
    data = _detail(client, workspace, hook["id"], found[0]["id"])["payload"]["data"]
    assert data["user_id"] == "u1" and data["tour"] == {"key": "welcome", "version": 1}
    assert data["event_id"] in ("t1", "t2")


def test_each_survey_answer_is_told_from_the_widget_too(client, workspace, receiver):
    version = _setup_checklist(client, workspace)
    hook = add_endpoint(client, workspace, receiver.url, ["survey.answered"])
    token = open_session(client, workspace, "u9")["token"]
    answer = {"checklist": "setup", "rating": 4, "comment": "初期設定は問題なく完了しました"}
    widget_send(client, token, [wev("s1", "$survey_answered", properties=answer)])
    widget_send(client, token, [wev("s1", "$survey_answered", properties=answer)])  # retried
    widget_send(client, token, [wev("s2", "$survey_answered", properties={**answer, "rating": 5})])
    found = deliveries(client, workspace, hook["id"])
    assert len(found) == 2
    payloads = [_detail(client, workspace, hook["id"], d["id"])["payload"] for d in reversed(found)]
    assert [p["data"]["rating"] for p in payloads] == [4, 5]
    assert payloads[0]["data"]["comment"] == answer["comment"]
    assert payloads[0]["data"]["checklist"] == {"key": "setup", "version": version}
    assert payloads[0]["data"]["user_id"] == "u9"


def test_items_caught_up_by_a_session_or_the_progress_endpoint_complete_checklists(
    client, workspace, receiver
):
    # The events come first, the checklist that counts them later: the items are recorded
    # when a session (or the progress endpoint) catches them up.
    send_events(client, workspace, [ev("a1", "report.viewed", "a"), ev("b1", "report.viewed", "b")])
    publish(client, workspace, "tour", tour_doc("welcome"))
    send_events(
        client, workspace, [ev("a2", "$tour_completed", "a", properties={"tour": "welcome"})]
    )
    send_events(
        client, workspace, [ev("b2", "$tour_completed", "b", properties={"tour": "welcome"})]
    )
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup", [event_item("report", "report.viewed"), tour_item("tour", "welcome")]
        ),
    )
    hook = add_endpoint(client, workspace, receiver.url, ["checklist.completed"])
    session = open_session(client, workspace, "a")
    assert session["checklists"][0]["progress"]["completed_at"] is not None
    open_session(client, workspace, "a")  # already recorded: nothing more
    assert progress(client, workspace, "b")["checklists"][0]["completed_at"] is not None
    progress(client, workspace, "b")
    found = deliveries(client, workspace, hook["id"])
    users = sorted(
        _detail(client, workspace, hook["id"], d["id"])["payload"]["data"]["user_id"] for d in found
    )
    assert users == ["a", "b"]


def test_a_new_version_completed_again_is_told_again(client, workspace, receiver):
    _setup_checklist(client, workspace)
    hook = add_endpoint(client, workspace, receiver.url, ["checklist.completed"])
    guide = {"checklist": "setup", "item": "guide"}
    send_events(
        client,
        workspace,
        [ev("e1", "report.viewed"), ev("e2", "$checklist_item_completed", properties=guide)],
    )
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup",
            [event_item("report", "report.viewed"), manual_item("guide"), manual_item("invite")],
        ),
    )
    invite = {"checklist": "setup", "item": "invite"}
    send_events(client, workspace, [ev("e3", "$checklist_item_completed", properties=invite)])
    found = deliveries(client, workspace, hook["id"])
    versions = [
        _detail(client, workspace, hook["id"], d["id"])["payload"]["data"]["checklist"]["version"]
        for d in reversed(found)
    ]
    assert versions == [1, 2]
    assert found[0]["webhook_id"] != found[1]["webhook_id"]


def test_other_workspaces_events_reach_no_endpoint_of_this_one(
    client, database, workspace, receiver
):
    other = make_workspace(database, "Other")
    _setup_checklist(client, workspace)
    _setup_checklist(client, other)
    hook = add_endpoint(client, workspace, receiver.url, ["checklist.completed"])
    guide = {"checklist": "setup", "item": "guide"}
    send_events(
        client,
        other,
        [ev("e1", "report.viewed"), ev("e2", "$checklist_item_completed", properties=guide)],
    )
    assert deliveries(client, workspace, hook["id"]) == []
    assert count(database, tables.webhook_delivery) == 0


def test_a_workspace_without_endpoints_runs_no_webhook_statement(
    client, database, workspace, receiver
):
    """Ingestion reads the webhook kinds with the workspace row it reads anyway: no endpoint
    (or none for the kinds a batch could cause) means not one more statement."""
    if not database.is_sqlite:
        pytest.skip("statements are traced through sqlite3")
    _setup_checklist(client, workspace)
    publish(client, workspace, "tour", tour_doc("welcome"))
    driver = database.run_sync(lambda conn: conn.driver, transaction=False)
    statements: list[str] = []
    guide = {"checklist": "setup", "item": "guide"}

    def batch(prefix: str) -> list[dict[str, Any]]:
        return [
            ev(prefix + "1", "report.viewed"),
            ev(prefix + "2", "$checklist_item_completed", properties=guide),
            ev(prefix + "3", "$tour_completed", properties={"tour": "welcome"}),
            ev(prefix + "4", "$survey_answered", properties={"checklist": "setup", "rating": 5}),
        ]

    # Each outbox statement, up to its WHERE (the trace shows the values bound).
    outbox_statements = [
        str(statement.compile(dialect=sqlite_dialect())).split("WHERE")[0].split("VALUES")[0]
        for statement in (
            outbox._COMPLETED_TOURS,
            outbox._ITEMS_DONE,
            outbox._MEMBERSHIPS,
            outbox._ENDPOINTS,
            outbox._ENQUEUE,
        )
    ]

    def outbox_ran() -> list[str]:
        # The projection reads item completions with the outbox's columns too, but not by
        # checklist key.
        return [
            s
            for s in statements
            if any(s.startswith(o) for o in outbox_statements)
            and (not s.startswith(outbox_statements[1]) or "checklist_key IN" in s)
        ]

    driver.set_trace_callback(statements.append)
    try:
        send_events(client, workspace, batch("a"))
        assert statements and outbox_ran() == []
        # The workspace row is read as before webhooks: the key's check, then the content
        # revision (and now the webhook kinds with it) inside the batch's transaction.
        assert [s.split("FROM")[0].strip() for s in statements if "FROM workspace" in s] == [
            "SELECT workspace.id",
            "SELECT workspace.content_revision, workspace.webhook_kinds",
        ]
        # An endpoint for a kind the batch does not cause: still nothing.
        add_endpoint(client, workspace, receiver.url, ["survey.answered"])
        statements.clear()
        send_events(client, workspace, [ev("b1", "report.viewed", "u2")])
        assert statements and outbox_ran() == []
        # The kind it causes: the outbox's statements run.
        send_events(client, workspace, batch("c"))
        assert outbox_ran() != []
    finally:
        driver.set_trace_callback(None)


def test_the_workspace_row_says_which_kinds_enabled_endpoints_receive(
    client, database, workspace, receiver
):
    def mask() -> int:
        (row,) = rows(database, tables.workspace, id=workspace.id)
        return int(row.webhook_kinds)

    first = add_endpoint(client, workspace, receiver.url, ["checklist.completed"])
    second = add_endpoint(client, workspace, receiver.url, ["tour.completed", "survey.answered"])
    assert mask() == 0b111
    client.patch(
        f"/api/v1/webhooks/{second['id']}", headers=workspace.auth, json={"enabled": False}
    )
    assert mask() == CHECKLIST_COMPLETED.bit
    client.patch(
        f"/api/v1/webhooks/{first['id']}",
        headers=workspace.auth,
        json={"kinds": ["survey.answered"]},
    )
    assert mask() == 0b100
    client.delete(f"/api/v1/webhooks/{first['id']}", headers=workspace.auth)
    assert mask() == 0


@pytest.mark.postgres
def test_two_transactions_completing_the_last_two_items_tell_it_once(
    client, database, workspace, receiver
):
    """On PostgreSQL each transaction reads the items after the user's row lock the other
    held: of two batches each completing one of the last two items, the later sees both."""
    if database.is_sqlite:
        pytest.skip("one writer at a time on SQLite")
    publish(
        client, workspace, "checklist", checklist_doc("setup", [manual_item("a"), manual_item("b")])
    )
    add_endpoint(client, workspace, receiver.url, ["checklist.completed"])
    published = published_now(database, workspace.id)
    users = [f"user-{n}" for n in range(12)]
    errors: list[BaseException] = []

    def writer(item: str, barrier: threading.Barrier) -> None:
        db = Database(database.url, inline=False)
        try:
            events = [
                NewEvent(
                    f"{user}-{item}",
                    "$checklist_item_completed",
                    user,
                    None,
                    {"checklist": "setup", "item": item},
                    None,
                )
                for user in users
            ]
            barrier.wait(timeout=10)
            db.run_sync(
                lambda conn: ingest_batch(
                    conn, workspace.id, events, "server", published, None, CHECKLIST_COMPLETED.bit
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            db.dispose()

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=writer, args=(item, barrier)) for item in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found = rows(database, tables.webhook_delivery)
    assert len(found) == len(users)
    assert len({row.message_id for row in found}) == len(users)
