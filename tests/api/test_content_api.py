"""Content API: drafts, immutable numbered published versions, rollback, unpublish, delete, and
what end users see at each point."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import (
    assert_error,
    by_key,
    checklist_doc,
    event_item,
    keys,
    manual_item,
    open_session,
    publish,
    put_draft,
    tour_doc,
    tour_item,
)


def _title(doc_title: str) -> dict[str, Any]:
    return {**tour_doc("welcome"), "steps": [{"id": "s1", "kind": "modal", "title": doc_title}]}


def _session_tour(client: Any, workspace: Any, key: str = "welcome") -> dict[str, Any] | None:
    return by_key(open_session(client, workspace, "viewer")["tours"], key)


def _publish(client: Any, workspace: Any, kind: str, key: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/{kind}/{key}/publish", headers=workspace.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# CRUD ---------------------------------------------------------------------------------------


def test_create_get_list(client, workspace):
    response = client.post("/api/v1/tours", json=tour_doc(), headers=workspace.auth)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["key"] == "welcome"
    assert (created["published_version"], created["latest_version"]) == (None, 0)
    assert created["has_unpublished_changes"] is True
    # Stored in canonical form: defaults written out.
    draft = created["draft"]
    assert draft["trigger"] == {"type": "auto"}
    assert draft["frequency"] == "once"
    assert draft["steps"][0]["placement"] == "auto"
    assert draft["steps"][0]["wait_ms"] == 5000
    assert "audience" not in draft  # nulls are dropped
    fetched = client.get("/api/v1/tours/welcome", headers=workspace.auth)
    assert fetched.status_code == 200
    assert fetched.json() == created
    listing = client.get("/api/v1/tours", headers=workspace.auth).json()["data"]
    assert keys(listing) == ["welcome"]
    assert "draft" not in listing[0]


def test_create_twice_is_a_conflict(client, workspace):
    assert client.post("/api/v1/tours", json=tour_doc(), headers=workspace.auth).status_code == 201
    response = client.post("/api/v1/tours", json=tour_doc(name="Again"), headers=workspace.auth)
    assert_error(response, 409, "conflict", ["key"])
    assert (
        client.get("/api/v1/tours/welcome", headers=workspace.auth).json()["draft"]["name"]
        == "Tour welcome"
    )


def test_put_creates_then_replaces(client, workspace):
    first = client.put("/api/v1/checklists/setup", json=checklist_doc(), headers=workspace.auth)
    assert first.status_code == 201
    second = client.put(
        "/api/v1/checklists/setup", json=checklist_doc(title="Renamed"), headers=workspace.auth
    )
    assert second.status_code == 200
    assert second.json()["draft"]["title"] == "Renamed"


def test_put_key_must_match_the_url(client, workspace):
    response = client.put("/api/v1/tours/other", json=tour_doc("welcome"), headers=workspace.auth)
    assert_error(response, 422, "validation_error", ["key"])
    assert client.get("/api/v1/tours/other", headers=workspace.auth).status_code == 404
    assert client.get("/api/v1/tours/welcome", headers=workspace.auth).status_code == 404


def test_delete(client, workspace):
    publish(client, workspace, "tour", tour_doc())
    assert _session_tour(client, workspace) is not None
    response = client.delete("/api/v1/tours/welcome", headers=workspace.auth)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(client.get("/api/v1/tours/welcome", headers=workspace.auth), 404, "not_found")
    assert_error(
        client.get("/api/v1/tours/welcome/versions/1", headers=workspace.auth), 404, "not_found"
    )
    assert _session_tour(client, workspace) is None
    assert_error(client.delete("/api/v1/tours/welcome", headers=workspace.auth), 404, "not_found")
    # The key can be used again, starting at version 1.
    assert publish(client, workspace, "tour", tour_doc()) == 1


def test_kinds_are_separate(client, workspace):
    publish(client, workspace, "tour", tour_doc("shared"))
    assert_error(client.get("/api/v1/checklists/shared", headers=workspace.auth), 404, "not_found")
    assert (
        client.post(
            "/api/v1/checklists", json=checklist_doc("shared"), headers=workspace.auth
        ).status_code
        == 201
    )


# Publishing and versions --------------------------------------------------------------------


def test_publish_creates_immutable_numbered_versions(client, workspace):
    put_draft(client, workspace, "tour", _title("One"))
    assert _publish(client, workspace, "tours", "welcome") == {
        "key": "welcome",
        "version": 1,
        "changed": True,
    }
    # Unchanged draft: no new version.
    assert _publish(client, workspace, "tours", "welcome") == {
        "key": "welcome",
        "version": 1,
        "changed": False,
    }
    put_draft(client, workspace, "tour", _title("Two"))
    described = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()
    assert described["has_unpublished_changes"] is True
    assert _publish(client, workspace, "tours", "welcome") == {
        "key": "welcome",
        "version": 2,
        "changed": True,
    }
    assert (
        client.get("/api/v1/tours/welcome", headers=workspace.auth).json()[
            "has_unpublished_changes"
        ]
        is False
    )

    versions = client.get("/api/v1/tours/welcome/versions", headers=workspace.auth).json()["data"]
    assert [(v["version"], v["live"], v["restored_from"]) for v in versions] == [
        (2, True, None),
        (1, False, None),
    ]
    assert all(v["published_at"].endswith("Z") for v in versions)
    v1 = client.get("/api/v1/tours/welcome/versions/1", headers=workspace.auth).json()
    assert v1["version"] == 1
    assert v1["document"]["steps"][0]["title"] == "One"
    # Editing the draft again never changes a published version.
    put_draft(client, workspace, "tour", _title("Three"))
    assert (
        client.get("/api/v1/tours/welcome/versions/2", headers=workspace.auth).json()["document"][
            "steps"
        ][0]["title"]
        == "Two"
    )
    assert_error(
        client.get("/api/v1/tours/welcome/versions/3", headers=workspace.auth), 404, "not_found"
    )
    assert_error(
        client.get("/api/v1/tours/welcome/versions/0", headers=workspace.auth), 404, "not_found"
    )


def test_republishing_a_reverted_draft_makes_no_new_version(client, workspace):
    publish(client, workspace, "tour", _title("One"))
    put_draft(client, workspace, "tour", _title("Changed"))
    put_draft(client, workspace, "tour", _title("One"))
    assert (
        client.get("/api/v1/tours/welcome", headers=workspace.auth).json()[
            "has_unpublished_changes"
        ]
        is False
    )
    assert _publish(client, workspace, "tours", "welcome")["changed"] is False


def test_draft_edits_are_invisible_until_published(client, workspace):
    publish(client, workspace, "tour", _title("Published title"))
    put_draft(client, workspace, "tour", _title("Draft title"))
    tour = _session_tour(client, workspace)
    assert tour["steps"][0]["title"] == "Published title"
    assert tour["version"] == 1
    _publish(client, workspace, "tours", "welcome")
    tour = _session_tour(client, workspace)
    assert (tour["steps"][0]["title"], tour["version"]) == ("Draft title", 2)


def test_a_draft_never_published_is_invisible(client, workspace):
    put_draft(client, workspace, "tour", tour_doc())
    put_draft(client, workspace, "checklist", checklist_doc())
    session = open_session(client, workspace)
    assert (session["tours"], session["checklists"]) == ([], [])


def test_rollback_creates_a_new_version_with_the_old_document(client, workspace):
    publish(client, workspace, "tour", _title("One"))
    publish(client, workspace, "tour", _title("Two"))
    put_draft(client, workspace, "tour", _title("Draft"))
    response = client.post(
        "/api/v1/tours/welcome/rollback", json={"version": 1}, headers=workspace.auth
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"key": "welcome", "version": 3, "restored_from": 1}
    v3 = client.get("/api/v1/tours/welcome/versions/3", headers=workspace.auth).json()["document"]
    v1 = client.get("/api/v1/tours/welcome/versions/1", headers=workspace.auth).json()["document"]
    assert v3 == v1
    versions = client.get("/api/v1/tours/welcome/versions", headers=workspace.auth).json()["data"]
    assert [(v["version"], v["live"], v["restored_from"]) for v in versions] == [
        (3, True, 1),
        (2, False, None),
        (1, False, None),
    ]
    # The draft is left alone; end users see the restored document.
    described = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()
    assert described["draft"]["steps"][0]["title"] == "Draft"
    assert (described["published_version"], described["latest_version"]) == (3, 3)
    tour = _session_tour(client, workspace)
    assert (tour["steps"][0]["title"], tour["version"]) == ("One", 3)
    # Publishing the draft now makes version 4: numbers are never reused.
    assert _publish(client, workspace, "tours", "welcome")["version"] == 4


def test_rollback_errors(client, workspace):
    publish(client, workspace, "tour", tour_doc())
    assert_error(
        client.post("/api/v1/tours/welcome/rollback", json={"version": 7}, headers=workspace.auth),
        404,
        "not_found",
    )
    assert_error(
        client.post("/api/v1/tours/welcome/rollback", json={"version": 0}, headers=workspace.auth),
        422,
        "validation_error",
        ["version"],
    )
    assert_error(
        client.post(
            "/api/v1/tours/welcome/rollback", json={"version": "1x"}, headers=workspace.auth
        ),
        422,
        "validation_error",
        ["version"],
    )
    assert_error(
        client.post("/api/v1/tours/welcome/rollback", json={}, headers=workspace.auth),
        422,
        "validation_error",
        ["version"],
    )
    assert_error(
        client.post(
            "/api/v1/tours/welcome/rollback",
            json={"version": 1, "why": "x"},
            headers=workspace.auth,
        ),
        422,
        "validation_error",
        ["why"],
    )
    assert_error(
        client.post("/api/v1/tours/nope/rollback", json={"version": 1}, headers=workspace.auth),
        404,
        "not_found",
    )
    # Nothing changed.
    assert client.get("/api/v1/tours/welcome", headers=workspace.auth).json()["latest_version"] == 1


def test_unpublish_hides_from_sessions_and_keeps_versions(client, workspace):
    publish(client, workspace, "tour", tour_doc())
    publish(client, workspace, "checklist", checklist_doc("setup", [tour_item("t", "welcome")]))
    response = client.post("/api/v1/checklists/setup/unpublish", headers=workspace.auth)
    assert response.status_code == 200
    assert response.json()["published_version"] is None
    assert open_session(client, workspace)["checklists"] == []
    client.post("/api/v1/tours/welcome/unpublish", headers=workspace.auth)
    assert open_session(client, workspace)["tours"] == []
    versions = client.get("/api/v1/tours/welcome/versions", headers=workspace.auth).json()["data"]
    assert [(v["version"], v["live"]) for v in versions] == [(1, False)]
    # Unpublishing twice is harmless; publishing again shows it again.
    assert client.post("/api/v1/tours/welcome/unpublish", headers=workspace.auth).status_code == 200
    _publish(client, workspace, "tours", "welcome")
    assert keys(open_session(client, workspace)["tours"]) == ["welcome"]


def test_unpublished_checklist_completes_nothing(client, workspace):
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc("setup", [event_item("import", "employees_imported")]),
    )
    client.post("/api/v1/checklists/setup/unpublish", headers=workspace.auth)
    response = client.post(
        "/api/v1/events",
        json={"events": [{"id": "e1", "name": "employees_imported", "user_id": "u1"}]},
        headers=workspace.auth,
    )
    assert response.json()["completed_items"] == []


def test_rollback_of_an_unpublished_item_publishes_it(client, workspace):
    publish(client, workspace, "tour", _title("One"))
    client.post("/api/v1/tours/welcome/unpublish", headers=workspace.auth)
    response = client.post(
        "/api/v1/tours/welcome/rollback", json={"version": 1}, headers=workspace.auth
    )
    assert response.json()["version"] == 2
    assert _session_tour(client, workspace)["version"] == 2


# References between checklists and tours ----------------------------------------------------


def test_checklist_must_name_existing_tours(client, workspace):
    response = client.post(
        "/api/v1/checklists",
        json=checklist_doc(
            "setup",
            [
                manual_item("a"),
                tour_item("t", "missing"),
                {
                    "id": "b",
                    "title": "B",
                    "action": {"type": "tour", "tour": "missing2"},
                    "completion": {"type": "manual"},
                },
            ],
        ),
        headers=workspace.auth,
    )
    error = assert_error(
        response, 422, "validation_error", ["items[1].completion.tour", "items[2].action.tour"]
    )
    assert error["fields"][0]["message"] == "unknown tour 'missing'"


@pytest.mark.parametrize("published_only", [False, True])
def test_deleting_a_tour_used_by_a_checklist_is_a_conflict(client, workspace, published_only):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(client, workspace, "checklist", checklist_doc("setup", [tour_item("t", "welcome")]))
    if published_only:
        # The draft no longer uses it, but the published version still does.
        put_draft(client, workspace, "checklist", checklist_doc("setup", [manual_item("m")]))
    response = client.delete("/api/v1/tours/welcome", headers=workspace.auth)
    error = assert_error(response, 409, "conflict")
    assert "setup" in error["message"]
    assert client.get("/api/v1/tours/welcome", headers=workspace.auth).status_code == 200
    assert keys(open_session(client, workspace)["tours"]) == ["welcome"]


def test_deleting_a_tour_used_only_by_a_checklist_draft_is_a_conflict(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome"))
    put_draft(
        client,
        workspace,
        "checklist",
        checklist_doc(
            "setup",
            [
                {
                    "id": "a",
                    "title": "A",
                    "action": {"type": "tour", "tour": "welcome"},
                    "completion": {"type": "manual"},
                }
            ],
        ),
    )
    assert_error(client.delete("/api/v1/tours/welcome", headers=workspace.auth), 409, "conflict")


def test_deleting_a_tour_after_its_checklist_is_gone(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(client, workspace, "checklist", checklist_doc("setup", [tour_item("t", "welcome")]))
    assert client.delete("/api/v1/checklists/setup", headers=workspace.auth).status_code == 204
    assert client.delete("/api/v1/tours/welcome", headers=workspace.auth).status_code == 204
    assert open_session(client, workspace)["tours"] == []


def test_version_numbers_per_item(client, workspace):
    assert publish(client, workspace, "tour", tour_doc("a")) == 1
    assert publish(client, workspace, "tour", tour_doc("b")) == 1
    assert publish(client, workspace, "tour", tour_doc("a", name="A2")) == 2
    assert publish(client, workspace, "checklist", checklist_doc("a")) == 1


def test_session_revision_moves_with_publishing(client, workspace):
    r0 = open_session(client, workspace)["revision"]
    publish(client, workspace, "tour", tour_doc())
    r1 = open_session(client, workspace)["revision"]
    _publish(client, workspace, "tours", "welcome")  # unchanged: no new revision
    r2 = open_session(client, workspace)["revision"]
    put_draft(client, workspace, "tour", tour_doc(name="Draft only"))
    r3 = open_session(client, workspace)["revision"]
    client.post("/api/v1/tours/welcome/unpublish", headers=workspace.auth)
    r4 = open_session(client, workspace)["revision"]
    assert r0 < r1 == r2 == r3 < r4
