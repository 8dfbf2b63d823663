"""Users, companies and one user's progress through the server API."""

from __future__ import annotations

from tests.api.helpers import (
    assert_error,
    at,
    checklist_doc,
    ev,
    event_item,
    open_session,
    progress,
    publish,
    send_events,
    tour_doc,
    wev,
    widget_send,
)


def test_put_user_creates_then_merges_traits(client, workspace):
    first = client.put(
        "/api/v1/users/u-1",
        json={"traits": {"role": "admin", "plan": "pro"}, "locale": "ja", "company_ids": ["c-1"]},
        headers=workspace.auth,
    )
    assert first.status_code == 201, first.text
    again = client.put(
        "/api/v1/users/u-1", json={"traits": {"plan": "free"}}, headers=workspace.auth
    )
    assert again.status_code == 200
    body = client.get("/api/v1/users/u-1", headers=workspace.auth).json()
    assert body["traits"] == {"role": "admin", "plan": "free"}
    assert body["locale"] == "ja" and body["company_ids"] == ["c-1"]
    assert client.get("/api/v1/companies/c-1", headers=workspace.auth).status_code == 200


def test_integers_beyond_64_bits_are_kept_exact(client, workspace):
    """orjson would read them as floats (2**70 + 1 rounded): the request is read exactly."""
    traits = {"n": 2**70 + 1, "neg": -(2**64) - 3, "small": 7, "f": 0.5}
    answer = client.put("/api/v1/users/u-1", json={"traits": traits}, headers=workspace.auth)
    assert answer.status_code == 201, answer.text
    assert client.get("/api/v1/users/u-1", headers=workspace.auth).json()["traits"] == traits


def test_server_side_traits_drive_widget_targeting(client, workspace):
    publish(
        client,
        workspace,
        "tour",
        tour_doc(
            "admins",
            audience={"all": [{"attribute": "user.role", "op": "equals", "value": "admin"}]},
        ),
    )
    assert open_session(client, workspace, "u-1")["tours"] == []
    client.put("/api/v1/users/u-1", json={"traits": {"role": "admin"}}, headers=workspace.auth)
    assert [t["key"] for t in open_session(client, workspace, "u-1")["tours"]] == ["admins"]


def test_company_upsert_and_validation(client, workspace):
    created = client.put(
        "/api/v1/companies/c-9",
        json={"traits": {"plan": "pro", "seats": 40}},
        headers=workspace.auth,
    )
    assert created.status_code == 201 and created.json()["traits"] == {"plan": "pro", "seats": 40}
    updated = client.put(
        "/api/v1/companies/c-9", json={"traits": {"seats": 41}}, headers=workspace.auth
    )
    assert updated.status_code == 200 and updated.json()["traits"] == {"plan": "pro", "seats": 41}
    bad = client.put(
        "/api/v1/companies/c-9", json={"traits": {"nested": {"a": 1}}}, headers=workspace.auth
    )
    assert_error(bad, 422, "validation_error")
    assert bad.json()["error"]["fields"][0]["path"].startswith("traits.nested")
    assert_error(
        client.put("/api/v1/users/u", json={"colour": 1}, headers=workspace.auth),
        422,
        "validation_error",
        ["colour"],
    )
    assert_error(client.get("/api/v1/users/nobody", headers=workspace.auth), 404, "not_found")
    assert_error(client.get("/api/v1/companies/none", headers=workspace.auth), 404, "not_found")


def test_progress_shows_tours_steps_and_checklists(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(
        client,
        workspace,
        "checklist",
        checklist_doc("setup", [event_item("import", "employees_imported")]),
    )
    token = open_session(client, workspace, "u-1")["token"]
    widget_send(
        client,
        token,
        [
            wev(
                "w1", "$tour_started", properties={"tour": "welcome", "step": "s1"}, timestamp=at(0)
            ),
            wev(
                "w2",
                "$tour_step_seen",
                properties={"tour": "welcome", "step": "s1"},
                timestamp=at(1),
            ),
            wev(
                "w3",
                "$tour_step_seen",
                properties={"tour": "welcome", "step": "s2"},
                timestamp=at(2),
            ),
        ],
    )
    send_events(client, workspace, [ev("e1", "employees_imported", "u-1", timestamp=at(3))])
    body = progress(client, workspace, "u-1")
    tour = next(t for t in body["tours"] if t["key"] == "welcome")
    assert tour["status"] == "in_progress" and tour["current_step"] == "s2"
    assert list(tour["steps_seen"]) == ["s1", "s2"]
    assert tour["steps_seen"]["s1"] == "2026-01-05T09:00:01Z"
    checklist = body["checklists"][0]
    assert checklist["completed"] == 1 and checklist["total"] == 1
    assert checklist["completed_items"] == {"import": "2026-01-05T09:00:03Z"}
    assert checklist["completed_at"] == "2026-01-05T09:00:03Z"


def test_user_last_seen_moves_with_events_not_with_server_upserts(client, workspace):
    send_events(
        client,
        workspace,
        [ev("e1", "x", "u-1", timestamp=at(0)), ev("e2", "x", "u-1", timestamp=at(60))],
    )
    body = client.get("/api/v1/users/u-1", headers=workspace.auth).json()
    assert body["first_seen_at"] == "2026-01-05T09:00:00Z"
    assert body["last_seen_at"] == "2026-01-05T09:01:00Z"
    client.put("/api/v1/users/u-1", json={"traits": {"role": "x"}}, headers=workspace.auth)
    assert (
        client.get("/api/v1/users/u-1", headers=workspace.auth).json()["last_seen_at"]
        == "2026-01-05T09:01:00Z"
    )
