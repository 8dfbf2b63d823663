"""Workspace isolation: one workspace's keys and tokens can neither read nor change another's
content, events, people or progress, and another workspace's objects look exactly missing."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
from shirube.services.workspaces import create_workspace
from shirube.storage import tables

from tests.api.helpers import (
    assert_error,
    checklist_doc,
    count,
    ev,
    event_item,
    keys,
    manual_item,
    open_session,
    post_session,
    post_widget_events,
    progress,
    publish,
    rows,
    send_events,
    tour_doc,
    tour_item,
    wev,
    widget_send,
)
from tests.conftest import WorkspaceKeys

B_ORIGIN = "https://b.example.org"


def _b_with_own_origin(database: Any) -> WorkspaceKeys:
    created = database.run_sync(lambda s: create_workspace(s, "B product", [B_ORIGIN]).as_json())
    return WorkspaceKeys(created)


def _b_content(client: Any, b: WorkspaceKeys) -> None:
    publish(client, b, "tour", tour_doc("b-tour"))
    publish(
        client,
        b,
        "checklist",
        checklist_doc(
            "b-list",
            [
                event_item("import", "employees_imported"),
                tour_item("tour", "b-tour"),
                manual_item("guide"),
            ],
        ),
    )


CONTENT_CALLS = [
    ("GET", "/api/v1/{kind}/{key}", None),
    ("DELETE", "/api/v1/{kind}/{key}", None),
    ("POST", "/api/v1/{kind}/{key}/publish", None),
    ("POST", "/api/v1/{kind}/{key}/unpublish", None),
    ("GET", "/api/v1/{kind}/{key}/versions", None),
    ("GET", "/api/v1/{kind}/{key}/versions/1", None),
    ("POST", "/api/v1/{kind}/{key}/rollback", {"version": 1}),
]


# Both requests of a comparison carry one request id, which their answers repeat.
SAME_ID = {"X-Request-Id": "compared-request"}


def test_other_workspace_content_looks_missing(client, workspace, other_workspace, subtests):
    _b_content(client, other_workspace)
    headers = {**workspace.auth, **SAME_ID}
    for kind, key in (("tours", "b-tour"), ("checklists", "b-list")):
        for method, template, body in CONTENT_CALLS:
            with subtests.test(kind=kind, method=method, template=template):
                theirs = client.request(
                    method, template.format(kind=kind, key=key), json=body, headers=headers
                )
                missing = client.request(
                    method,
                    template.format(kind=kind, key="no-such-key"),
                    json=body,
                    headers=headers,
                )
                assert_error(theirs, 404, "not_found")
                assert theirs.status_code == missing.status_code
                assert theirs.json() == missing.json()
                assert dict(theirs.headers) == dict(missing.headers)
        # And B's content is untouched.
        described = client.get(f"/api/v1/{kind}/{key}", headers=other_workspace.auth).json()
        assert (described["published_version"], described["latest_version"]) == (1, 1)
        assert (
            len(
                client.get(f"/api/v1/{kind}/{key}/versions", headers=other_workspace.auth).json()[
                    "data"
                ]
            )
            == 1
        )


def test_lists_and_export_show_only_own_content(client, workspace, other_workspace):
    _b_content(client, other_workspace)
    publish(client, workspace, "tour", tour_doc("a-tour"))
    assert keys(client.get("/api/v1/tours", headers=workspace.auth).json()["data"]) == ["a-tour"]
    assert client.get("/api/v1/checklists", headers=workspace.auth).json()["data"] == []
    exported = client.get("/api/v1/content/export", headers=workspace.auth).json()
    assert keys(exported["tours"]) == ["a-tour"]
    assert exported["checklists"] == []


def test_put_with_the_same_key_makes_a_separate_item(client, workspace, other_workspace):
    _b_content(client, other_workspace)
    response = client.put(
        "/api/v1/tours/b-tour", json=tour_doc("b-tour", name="A's own"), headers=workspace.auth
    )
    assert response.status_code == 201  # created in A, not an update of B's
    # POST of the same key in A is not a conflict either.
    assert (
        client.post(
            "/api/v1/checklists", json=checklist_doc("b-list"), headers=workspace.auth
        ).status_code
        == 201
    )
    assert (
        client.get("/api/v1/tours/b-tour", headers=other_workspace.auth).json()["draft"]["name"]
        == "Tour b-tour"
    )
    # A deleting its own copy leaves B's alone.
    assert client.delete("/api/v1/tours/b-tour", headers=workspace.auth).status_code == 204
    assert client.get("/api/v1/tours/b-tour", headers=other_workspace.auth).status_code == 200


def test_a_checklist_cannot_refer_to_another_workspace_tour(client, workspace, other_workspace):
    _b_content(client, other_workspace)
    response = client.post(
        "/api/v1/checklists",
        json=checklist_doc("x", [tour_item("t", "b-tour")]),
        headers=workspace.auth,
    )
    assert_error(response, 422, "validation_error", ["items[0].completion.tour"])


def test_same_event_ids_in_two_workspaces_are_two_events(
    client, workspace, other_workspace, database
):
    send_events(client, workspace, [ev("e1", "employees_imported", "u1")])
    result = send_events(client, other_workspace, [ev("e1", "employees_imported", "u1")])
    assert (result["accepted"], result["duplicates"]) == (1, 0)
    assert count(database, tables.event, workspace_id=workspace.id) == 1
    assert count(database, tables.event, workspace_id=other_workspace.id) == 1


def test_same_user_id_in_two_workspaces_are_two_people(
    client, workspace, other_workspace, database
):
    _b_content(client, other_workspace)
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc("a-list", [event_item("import", "employees_imported")]),
    )
    open_session(client, workspace, "u1", traits={"role": "admin"})
    open_session(client, other_workspace, "u1", traits={"role": "employee"}, locale="ja")
    result = send_events(client, workspace, [ev("a1", "employees_imported", "u1")])
    assert result["completed_items"] == [{"user_id": "u1", "checklist": "a-list", "item": "import"}]
    # In B, u1 did nothing.
    b_progress = progress(client, other_workspace, "u1")
    assert all(c["completed"] == 0 for c in b_progress["checklists"])
    assert count(database, tables.user_event_count, workspace_id=other_workspace.id) == 0
    users = {u.workspace_id: u for u in rows(database, tables.end_user, external_id="u1")}
    assert users[workspace.id].traits == {"role": "admin"}
    assert users[other_workspace.id].traits == {"role": "employee"}
    assert users[workspace.id].locale is None
    assert client.get("/api/v1/users/u1", headers=workspace.auth).json()["traits"] == {
        "role": "admin"
    }


def test_people_and_progress_of_another_workspace_look_missing(client, workspace, other_workspace):
    send_events(client, other_workspace, [ev("b1", "x", "b-user", company_id="b-company")])
    headers = {**workspace.auth, **SAME_ID}
    for path in ("/api/v1/users/{}", "/api/v1/users/{}/progress"):
        theirs = client.get(path.format("b-user"), headers=headers)
        missing = client.get(path.format("nobody"), headers=headers)
        assert_error(theirs, 404, "not_found")
        assert theirs.json() == missing.json()
    theirs = client.get("/api/v1/companies/b-company", headers=headers)
    assert theirs.json() == client.get("/api/v1/companies/nobody", headers=headers).json()
    assert theirs.status_code == 404
    # Writing A's user of the same id creates A's, leaving B's alone.
    assert (
        client.put(
            "/api/v1/users/b-user", json={"traits": {"x": 1}}, headers=workspace.auth
        ).status_code
        == 201
    )
    assert client.get("/api/v1/users/b-user", headers=other_workspace.auth).json()["traits"] == {}


def test_server_events_of_a_cannot_complete_b_items(client, workspace, other_workspace, database):
    _b_content(client, other_workspace)
    result = send_events(
        client,
        workspace,
        [
            ev("x1", "employees_imported", "u1"),
            ev("x2", "$tour_completed", "u1", properties={"tour": "b-tour"}),
            ev(
                "x3",
                "$checklist_item_completed",
                "u1",
                properties={"checklist": "b-list", "item": "guide"},
            ),
        ],
    )
    assert result["completed_items"] == []
    assert count(database, tables.checklist_item_progress) == 0
    assert count(database, tables.tour_progress, workspace_id=other_workspace.id) == 0
    # B's session for u1 shows no progress.
    session = open_session(client, other_workspace, "u1")
    assert session["checklists"][0]["progress"]["completed"] == 0
    assert session["tours"][0]["progress"]["status"] == "not_started"


def test_public_key_of_a_opens_sessions_of_a_only(client, workspace, database):
    b = _b_with_own_origin(database)
    _b_content(client, b)
    publish(client, workspace, "tour", tour_doc("a-tour"))
    # A's key with A's origin: A's content and A's user.
    session = open_session(client, workspace, "u1")
    assert keys(session["tours"]) == ["a-tour"]
    assert {u.workspace_id for u in rows(database, tables.end_user)} == {workspace.id}
    # A's key from B's origin, and B's key from A's origin, are refused.
    assert_error(
        post_session(client, workspace.public_key, "u2", origin=B_ORIGIN), 403, "origin_not_allowed"
    )
    assert_error(post_session(client, b.public_key, "u2"), 403, "origin_not_allowed")
    assert count(database, tables.end_user, external_id="u2") == 0
    # B's key from B's origin sees B's content.
    b_session = post_session(client, b.public_key, "u1", origin=B_ORIGIN).json()
    assert keys(b_session["tours"]) == ["b-tour"]


def test_widget_token_of_a_writes_to_a_only(client, workspace, database):
    b = _b_with_own_origin(database)
    _b_content(client, b)
    token = open_session(client, workspace, "u1")["token"]
    events = [
        wev("w1", "employees_imported"),
        wev("w2", "$tour_completed", properties={"tour": "b-tour"}),
        wev("w3", "$checklist_item_completed", properties={"checklist": "b-list", "item": "guide"}),
    ]
    # From B's origin the token is refused outright.
    assert_error(
        post_widget_events(client, token, events, origin=B_ORIGIN), 403, "origin_not_allowed"
    )
    assert count(database, tables.event) == 0
    result = widget_send(client, token, events)
    assert result["completed_items"] == []
    assert {e.workspace_id for e in rows(database, tables.event)} == {workspace.id}
    assert count(database, tables.checklist_item_progress) == 0
    b_session = post_session(client, b.public_key, "u1", origin=B_ORIGIN).json()
    assert b_session["checklists"][0]["progress"]["completed"] == 0


def test_a_token_cannot_be_rewritten_to_name_b(client, workspace, other_workspace, database):
    token = open_session(client, workspace, "u1")["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    header, _, signature = token.split(".")
    payload = base64.urlsafe_b64encode(json.dumps({**claims, "ws": other_workspace.id}).encode())
    forged = f"{header}.{payload.decode().rstrip('=')}.{signature}"
    assert_error(post_widget_events(client, forged, [wev("f1", "x")]), 401, "session_expired")
    assert count(database, tables.event) == 0


def test_publishing_in_a_does_not_change_b_sessions(client, workspace, other_workspace):
    before = open_session(client, other_workspace, "u1")
    publish(client, workspace, "tour", tour_doc("a-tour"))
    after = open_session(client, other_workspace, "u1")
    assert after["tours"] == before["tours"] == []
    assert after["revision"] == before["revision"]


def test_secret_key_of_a_is_workspace_a(client, workspace, other_workspace):
    assert client.get("/api/v1/workspace", headers=workspace.auth).json()["id"] == workspace.id
    assert (
        client.get("/api/v1/workspace", headers=other_workspace.auth).json()["id"]
        == other_workspace.id
    )
    client.patch("/api/v1/workspace", json={"name": "Renamed A"}, headers=workspace.auth)
    assert (
        client.get("/api/v1/workspace", headers=other_workspace.auth).json()["name"]
        == "Other product"
    )
