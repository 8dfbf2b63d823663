"""Every bad request answers 4xx with the one error shape and the right `fields[].path`;
nothing a client sends produces a 500."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from shirube.app import create_app
from shirube.storage import tables
from starlette.testclient import TestClient

from tests.api.helpers import (
    assert_error,
    checklist_doc,
    count,
    ev,
    field_message,
    open_session,
    post_session,
    post_widget_events,
    tour_doc,
    wev,
)
from tests.conftest import ORIGIN


def _events(client: Any, ws: Any, body: Any) -> Any:
    return client.post("/api/v1/events", json=body, headers=ws.auth)


def _raw(client: Any, ws: Any, path: str, content: bytes, method: str = "POST") -> Any:
    headers = {**ws.auth, "Origin": ORIGIN, "Content-Type": "application/json"}
    return client.request(method, path, content=content, headers=headers)


JSON_ENDPOINTS = [
    ("POST", "/api/v1/events"),
    ("POST", "/api/v1/widget/session"),
    ("POST", "/api/v1/widget/events"),
    ("POST", "/api/v1/tours"),
    ("PUT", "/api/v1/checklists/setup"),
    ("POST", "/api/v1/tours/welcome/rollback"),
    ("PUT", "/api/v1/users/u1"),
    ("PUT", "/api/v1/companies/c1"),
    ("PATCH", "/api/v1/workspace"),
    ("POST", "/api/v1/content/import"),
]


# Bodies -------------------------------------------------------------------------------------


MALFORMED = [
    b"{not json",
    b"",
    b"   ",
    b'{"a": 1',
    b"\xff\xfe",
    b'{"a": 1} trailing',
    b"NaN",
    b"{'a': 1}",
]
NOT_OBJECTS = [b"[]", b'"text"', b"1", b"null", b"true", b'[{"id": "x"}]']


def test_malformed_or_empty_body_is_400(client, workspace, subtests):
    for method, path in JSON_ENDPOINTS:
        for content in MALFORMED:
            with subtests.test(path=path, content=content):
                assert_error(
                    _raw(client, workspace, path, content, method), 400, "invalid_json", []
                )


def test_body_that_is_not_an_object_is_422_at_the_empty_path(client, workspace, subtests):
    for method, path in JSON_ENDPOINTS:
        for content in NOT_OBJECTS:
            with subtests.test(path=path, content=content):
                assert_error(
                    _raw(client, workspace, path, content, method), 422, "validation_error", [""]
                )


def test_small_body_limit(settings, database, workspace):
    app = create_app(dataclasses.replace(settings, max_body_bytes=1024), database)
    with TestClient(app, raise_server_exceptions=False) as small:
        ok = [ev(f"e{i}", "x") for i in range(5)]
        assert (
            small.post("/api/v1/events", json={"events": ok}, headers=workspace.auth).status_code
            == 200
        )
        big = [ev(f"big{i}", "clicked", properties={"p": "x" * 50}) for i in range(20)]
        response = small.post("/api/v1/events", json={"events": big}, headers=workspace.auth)
        assert_error(response, 413, "body_too_large", [])
        # Also when the body is streamed without a Content-Length.
        payload = (
            b'{"events": ['
            + b",".join(b'{"id": "s%d", "name": "x", "user_id": "u"}' % i for i in range(100))
            + b"]}"
        )

        def chunks():
            for start in range(0, len(payload), 200):
                yield payload[start : start + 200]

        streamed = small.post(
            "/api/v1/events",
            content=chunks(),
            headers={**workspace.auth, "Content-Type": "application/json"},
        )
        assert "content-length" not in streamed.request.headers
        assert_error(streamed, 413, "body_too_large", [])
        # The widget API and the content API have the same limit.
        session = small.post(
            "/api/v1/widget/session",
            json={
                "public_key": workspace.public_key,
                "user_id": "big-user",
                "traits": {"bio": "x" * 2000},
            },
            headers={"Origin": ORIGIN},
        )
        assert_error(session, 413, "body_too_large")
        assert session.headers["access-control-allow-origin"] == ORIGIN
        tour = tour_doc(name="n" * 1500)
        assert_error(
            small.post("/api/v1/tours", json=tour, headers=workspace.auth), 413, "body_too_large"
        )
        assert count(database, tables.event, id="big0") == 0
        assert count(database, tables.end_user, external_id="big-user") == 0


# Server events ------------------------------------------------------------------------------


EVENT_BATCH_CASES = [
    ({}, "events"),
    ({"events": None}, "events"),
    ({"events": "x"}, "events"),
    ({"events": {}}, "events"),
    ({"events": []}, "events"),
    ({"events": ["x"]}, "events[0]"),
    ({"events": [None]}, "events[0]"),
    ({"events": [{}]}, None),
    ({"events": [ev("e1", "x")], "extra": 1}, "extra"),
    ({"events": [ev("e1", "x", extra=1)]}, "events[0].extra"),
    ({"events": [ev("e1", "x"), ev("e2", "x", user=1)]}, "events[1].user"),
    ({"events": [{"id": 5, "name": "x", "user_id": "u"}]}, "events[0].id"),
    ({"events": [ev("", "x")]}, "events[0].id"),
    ({"events": [ev("has space", "x")]}, "events[0].id"),
    ({"events": [ev("i" * 129, "x")]}, "events[0].id"),
    ({"events": [ev("e1", "")]}, "events[0].name"),
    ({"events": [ev("e1", "-starts-with-dash")]}, "events[0].name"),
    ({"events": [ev("e1", "n" * 101)]}, "events[0].name"),
    ({"events": [ev("e1", ["x"])]}, "events[0].name"),
    ({"events": [{"id": "e1", "name": "x"}]}, "events[0].user_id"),
    ({"events": [ev("e1", "x", "")]}, "events[0].user_id"),
    ({"events": [ev("e1", "x", 42)]}, "events[0].user_id"),
    ({"events": [ev("e1", "x", "u" * 256)]}, "events[0].user_id"),
    ({"events": [ev("e1", "x", company_id="")]}, "events[0].company_id"),
    ({"events": [ev("e1", "x", company_id=7)]}, "events[0].company_id"),
    ({"events": [ev("e1", "x", properties=[1])]}, "events[0].properties"),
    ({"events": [ev("e1", "x", properties="p")]}, "events[0].properties"),
    (
        {"events": [ev("e1", "x", properties={f"k{i}": i for i in range(101)})]},
        "events[0].properties",
    ),
    ({"events": [ev("e1", "x", properties={"blob": "x" * 33_000})]}, "events[0].properties"),
    ({"events": [ev("e1", "x", timestamp="yesterday")]}, "events[0].timestamp"),
    ({"events": [ev("e1", "x", timestamp="2026-13-01T00:00:00Z")]}, "events[0].timestamp"),
    ({"events": [ev("e1", "x", timestamp="2026-01-05T09:00:00")]}, "events[0].timestamp"),
    ({"events": [ev("e1", "x", timestamp="2026-01-05")]}, "events[0].timestamp"),
    ({"events": [ev("e1", "x", timestamp=True)]}, "events[0].timestamp"),
    ({"events": [ev("e1", "x", timestamp={"at": 1})]}, "events[0].timestamp"),
    ({"events": [ev("e1", "x", timestamp=1e20)]}, "events[0].timestamp"),
]


def test_event_batch_validation_paths(client, workspace, database, subtests):
    for body, path in EVENT_BATCH_CASES:
        with subtests.test(body=body):
            error = assert_error(_events(client, workspace, body), 422, "validation_error")
            if path is not None:
                assert [f["path"] for f in error["fields"]] == [path], error
            assert error["message"].startswith(error["fields"][0]["path"])
    assert count(database, tables.event) == 0


def test_missing_fields_are_each_reported(client, workspace):
    error = assert_error(_events(client, workspace, {"events": [{}]}), 422, "validation_error")
    assert sorted(f["path"] for f in error["fields"]) == [
        "events[0].id",
        "events[0].name",
        "events[0].user_id",
    ]
    assert all(f["message"] == "is required" for f in error["fields"])
    assert error["message"].endswith("(and 2 more)")


def test_unknown_keys_are_called_unknown(client, workspace):
    error = assert_error(
        _events(client, workspace, {"events": [ev("e1", "x", colour="red")], "batch": 1}),
        422,
        "validation_error",
    )
    assert {f["path"]: f["message"] for f in error["fields"]} == {
        "events[0].colour": "unknown key",
        "batch": "unknown key",
    }


def test_naive_timestamp_message_says_time_zone(client, workspace):
    error = assert_error(
        _events(client, workspace, {"events": [ev("e1", "x", timestamp="2026-01-05T09:00:00")]}),
        422,
        "validation_error",
    )
    assert "time zone" in field_message(error, "events[0].timestamp")


def test_a_timestamp_is_iso_text_or_a_number_as_documented(client, workspace):
    """The text "1700000000" was read as seconds, which the document (a date-time string or a
    number) does not say; found by schemathesis's CLI run against `shirube serve`."""
    for timestamp in ("1700000000", "1.5e9", " 12"):
        error = assert_error(
            _events(client, workspace, {"events": [ev("e1", "x", timestamp=timestamp)]}),
            422,
            "validation_error",
            ["events[0].timestamp"],
        )
        assert "as a number" in error["message"]
    for index, timestamp in enumerate((1700000000, 1700000000.5, "2023-11-14T22:13:20Z")):
        accepted = _events(
            client, workspace, {"events": [ev(f"ok{index}", "x", timestamp=timestamp)]}
        )
        assert accepted.status_code == 200, accepted.text
    document = client.get("/api/v1/openapi.json").json()
    event = document["components"]["schemas"]["ServerEventIn"]["properties"]["timestamp"]
    assert {"type": "number"} in event["anyOf"]


def test_too_many_events(client, workspace, database):
    events = [ev(f"e{i}", "x") for i in range(1001)]
    error = assert_error(
        _events(client, workspace, {"events": events}), 422, "validation_error", ["events"]
    )
    assert "1000" in error["fields"][0]["message"]
    assert count(database, tables.event) == 0


def test_one_bad_event_refuses_the_whole_batch(client, workspace, database):
    events = [ev("good", "x"), ev("bad", "$tour_started", properties={})]
    assert_error(
        _events(client, workspace, {"events": events}),
        422,
        "validation_error",
        ["events[1].properties.tour"],
    )
    assert count(database, tables.event) == 0


RESERVED_CASES = [
    ("$unknown", {}, ["events[0].name"]),
    ("$tour_start", {"tour": "welcome"}, ["events[0].name"]),
    ("$survey_answered", {"checklist": "setup", "rating": 6}, ["events[0].properties.rating"]),
    ("$survey_answered", {"checklist": "setup", "rating": 0}, ["events[0].properties.rating"]),
    (
        "$survey_answered",
        {"checklist": "setup", "rating": "great"},
        ["events[0].properties.rating"],
    ),
    (
        "$survey_answered",
        {"checklist": "setup", "rating": 5, "comment": "c" * 2001},
        ["events[0].properties.comment"],
    ),
    ("$survey_answered", {"rating": 5}, ["events[0].properties.checklist"]),
    (
        "$survey_answered",
        {"checklist": "setup", "rating": 5, "mood": "x"},
        ["events[0].properties.mood"],
    ),
    ("$tour_started", {}, ["events[0].properties.tour"]),
    ("$tour_started", {"tour": "Not A Key"}, ["events[0].properties.tour"]),
    ("$tour_started", {"tour": "welcome", "version": 0}, ["events[0].properties.version"]),
    ("$tour_started", {"tour": "welcome", "extra": 1}, ["events[0].properties.extra"]),
    ("$tour_step_seen", {"tour": "welcome"}, ["events[0].properties.step"]),
    ("$tour_step_seen", {"tour": "welcome", "step": "bad step"}, ["events[0].properties.step"]),
    ("$tour_completed", {"tour": 5}, ["events[0].properties.tour"]),
    ("$tour_dismissed", {"tour": "welcome", "step": ""}, ["events[0].properties.step"]),
    (
        "$target_missing",
        {"tour": "welcome", "step": "s1", "selector": "x" * 501},
        ["events[0].properties.selector"],
    ),
    ("$checklist_item_completed", {"checklist": "setup"}, ["events[0].properties.item"]),
    (
        "$checklist_item_completed",
        {"checklist": "setup", "item": "a", "by": "me"},
        ["events[0].properties.by"],
    ),
    ("$page_viewed", {}, ["events[0].properties.url"]),
    ("$page_viewed", {"url": ""}, ["events[0].properties.url"]),
    ("$page_viewed", {"url": "/x", "title": 3}, ["events[0].properties.title"]),
]


def test_reserved_event_properties(client, workspace, database, subtests):
    token = open_session(client, workspace)["token"]
    for name, properties, paths in RESERVED_CASES:
        with subtests.test(name=name, properties=properties):
            body = {"events": [ev("e1", name, properties=properties)]}
            assert_error(_events(client, workspace, body), 422, "validation_error", paths)
            # The same checks apply to the widget API.
            response = post_widget_events(client, token, [wev("e1", name, properties=properties)])
            assert_error(response, 422, "validation_error", paths)
    assert count(database, tables.event) == 0


def test_every_bad_event_is_listed(client, workspace):
    events = [
        ev("a", "$survey_answered", properties={"checklist": "setup", "rating": 6}),
        ev("b", "fine"),
        ev("c", "$nope"),
        ev("d", "$page_viewed", properties={}),
    ]
    error = assert_error(_events(client, workspace, {"events": events}), 422, "validation_error")
    assert [f["path"] for f in error["fields"]] == [
        "events[0].properties.rating",
        "events[2].name",
        "events[3].properties.url",
    ]
    assert error["message"].startswith("events[0].properties.rating: ")
    assert error["message"].endswith("(and 2 more)")


# Widget bodies ------------------------------------------------------------------------------


SESSION_CASES = [
    ({"user_id": ""}, "user_id"),
    ({"user_id": None}, "user_id"),
    ({"user_id": 12}, "user_id"),
    ({"public_key": ""}, "public_key"),
    ({"public_key": "p" * 65}, "public_key"),
    ({"traits": []}, "traits"),
    ({"traits": {f"t{i}": i for i in range(101)}}, "traits"),
    ({"locale": "en_US_x_y_z_toolong"}, "locale"),
    ({"locale": 5}, "locale"),
    ({"company": "c1"}, "company"),
    ({"company": {}}, "company.id"),
    ({"company": {"id": "c1", "extra": 1}}, "company.extra"),
    ({"company": {"id": "c1", "traits": {f"t{i}": i for i in range(101)}}}, "company.traits"),
    ({"identity_token": 5}, "identity_token"),
    ({"surprise": True}, "surprise"),
]


def test_session_body_validation(client, workspace, database, subtests):
    for extra, path in SESSION_CASES:
        with subtests.test(extra=extra):
            body = {"public_key": workspace.public_key, "user_id": "u1", **extra}
            response = client.post("/api/v1/widget/session", json=body, headers={"Origin": ORIGIN})
            error = assert_error(response, 422, "validation_error")
            assert [f["path"] for f in error["fields"]] == [path], error
            assert response.headers["access-control-allow-origin"] == ORIGIN
    assert count(database, tables.end_user) == 0


WIDGET_EVENTS_CASES = [
    ({"events": [wev("e1", "x")]}, ["token"]),
    ({"token": "", "events": [wev("e1", "x")]}, ["token"]),
    ({"token": 1, "events": [wev("e1", "x")]}, ["token"]),
    ({"token": "t", "events": []}, ["events"]),
    ({"token": "t", "events": [wev("e1", "x", extra=1)]}, ["events[0].extra"]),
    ({"token": "t", "events": [wev("e1", "x")], "user_id": "u"}, ["user_id"]),
    ({"token": "t", "events": [wev("e1", "x", company_id="c")]}, ["events[0].company_id"]),
    ({"token": "t", "events": [wev("e1", "x")] * 1001}, ["events"]),
]


def test_widget_events_body_validation(client, workspace, subtests):
    for body, paths in WIDGET_EVENTS_CASES:
        with subtests.test(paths=paths):
            response = client.post("/api/v1/widget/events", json=body, headers={"Origin": ORIGIN})
            assert_error(response, 422, "validation_error", paths)


# Content bodies -----------------------------------------------------------------------------


CONTENT_CASES = [
    ("tours", {**tour_doc(), "tittle": "x"}, ["tittle"]),
    (
        "tours",
        {**tour_doc(), "steps": [{"id": "s1", "kind": "modal", "title": "x", "colour": "red"}]},
        ["steps[0].colour"],
    ),
    (
        "tours",
        {
            **tour_doc(),
            "steps": [
                {"id": "s1", "kind": "modal", "title": "x", "advance": {"type": "next", "when": 1}}
            ],
        },
        ["steps[0].advance.when"],
    ),
    ("tours", {**tour_doc(), "trigger": {"type": "auto", "event": "x"}}, ["trigger.event"]),
    ("tours", {**tour_doc(), "steps": []}, ["steps"]),
    (
        "tours",
        {**tour_doc(), "steps": [{"id": "s1", "kind": "tooltip", "title": "x"}]},
        ["steps[0].target"],
    ),
    ("tours", {**tour_doc(), "key": "Bad Key"}, ["key"]),
    ("tours", {"key": "welcome"}, ["name", "steps"]),
    (
        "checklists",
        {
            **checklist_doc(),
            "items": [{"id": "a", "title": "A", "completion": {"type": "manual", "min_count": 2}}],
        },
        ["items[0].completion.min_count"],
    ),
    (
        "checklists",
        {
            **checklist_doc(),
            "items": [
                {
                    "id": "a",
                    "title": "A",
                    "completion": {"type": "event", "event": "x", "min_count": "3"},
                }
            ],
        },
        ["items[0].completion.min_count"],
    ),
    (
        "checklists",
        {
            **checklist_doc(),
            "items": [{"id": "a", "title": "A", "completion": {"type": "manual"}, "x": 1}],
        },
        ["items[0].x"],
    ),
    ("checklists", {**checklist_doc(), "survey": {"question": "Q", "extra": 1}}, ["survey.extra"]),
    (
        "checklists",
        {
            **checklist_doc(),
            "audience": {"all": [{"attribute": "user.role", "op": "equals", "value": "a", "x": 1}]},
        },
        ["audience.all[0].x"],
    ),
]


def test_content_validation_paths(client, workspace, subtests):
    for kind, doc, paths in CONTENT_CASES:
        with subtests.test(kind=kind, paths=paths):
            response = client.post(f"/api/v1/{kind}", json=doc, headers=workspace.auth)
            assert_error(response, 422, "validation_error", paths)
            # PUT validates the same way.
            response = client.put(f"/api/v1/{kind}/welcome", json=doc, headers=workspace.auth)
            assert response.status_code == 422
    for kind in ("tours", "checklists"):
        assert client.get(f"/api/v1/{kind}", headers=workspace.auth).json()["data"] == []


def test_people_body_validation(client, workspace):
    assert_error(
        client.put("/api/v1/users/u1", json={"company_ids": "c1"}, headers=workspace.auth),
        422,
        "validation_error",
        ["company_ids"],
    )
    assert_error(
        client.put("/api/v1/users/u1", json={"name": "x"}, headers=workspace.auth),
        422,
        "validation_error",
        ["name"],
    )
    assert_error(
        client.put("/api/v1/users/" + "u" * 256, json={}, headers=workspace.auth),
        422,
        "validation_error",
        ["user_id"],
    )
    assert_error(
        client.put("/api/v1/companies/c1", json={"traits": 1}, headers=workspace.auth),
        422,
        "validation_error",
        ["traits"],
    )


def test_query_parameter_errors(client, workspace):
    assert_error(
        client.get("/api/v1/workspace/identity-stats?days=0", headers=workspace.auth),
        400,
        "bad_request",
    )
    for days in ("abc", "%C2%B2", "9" * 5000):  # "²" passes isdigit(), not int()
        assert_error(
            client.get(f"/api/v1/workspace/identity-stats?days={days}", headers=workspace.auth),
            400,
            "bad_request",
        )
    assert_error(
        client.post("/api/v1/content/import?publish=maybe", json={}, headers=workspace.auth),
        400,
        "bad_request",
    )


# Routes and methods -------------------------------------------------------------------------


UNKNOWN_ROUTES = [
    ("GET", "/"),
    ("GET", "/api/v1/nope"),
    ("POST", "/api/v2/events"),
    ("GET", "/api/v1/widgets/x"),
    ("GET", "/api/v1/tours/welcome/versions/abc"),
    ("GET", "/api/v1/surveys"),
    ("POST", "/api/v1/widget/nope"),
]


def test_unknown_routes_are_json_404(client, workspace, subtests):
    for method, path in UNKNOWN_ROUTES:
        with subtests.test(method=method, path=path):
            error = assert_error(
                client.request(method, path, headers=workspace.auth), 404, "not_found", []
            )
            assert error["message"] == "no such endpoint"


WRONG_METHODS = [
    ("GET", "/api/v1/events"),
    ("PUT", "/api/v1/events"),
    ("DELETE", "/api/v1/tours"),
    ("PATCH", "/api/v1/tours/welcome"),
    ("GET", "/api/v1/tours/welcome/publish"),
    ("GET", "/api/v1/widget/session"),
    ("DELETE", "/api/v1/workspace"),
    ("POST", "/healthz"),
]


def test_wrong_method_is_json_405(client, workspace, subtests):
    for method, path in WRONG_METHODS:
        with subtests.test(method=method, path=path):
            response = client.request(method, path, headers=workspace.auth)
            assert_error(response, 405, "method_not_allowed", [])
            assert method not in response.headers["allow"]


# Authentication -----------------------------------------------------------------------------


SERVER_CALLS = [
    ("POST", "/api/v1/events", {"events": [{"id": "e1", "name": "x", "user_id": "u"}]}),
    ("GET", "/api/v1/tours", None),
    ("POST", "/api/v1/tours", tour_doc()),
    ("PUT", "/api/v1/tours/welcome", tour_doc()),
    ("GET", "/api/v1/tours/welcome", None),
    ("DELETE", "/api/v1/tours/welcome", None),
    ("POST", "/api/v1/tours/welcome/publish", None),
    ("POST", "/api/v1/tours/welcome/unpublish", None),
    ("GET", "/api/v1/tours/welcome/versions", None),
    ("GET", "/api/v1/tours/welcome/versions/1", None),
    ("POST", "/api/v1/tours/welcome/rollback", {"version": 1}),
    ("GET", "/api/v1/users/u1", None),
    ("PUT", "/api/v1/users/u1", {}),
    ("GET", "/api/v1/users/u1/progress", None),
    ("GET", "/api/v1/companies/c1", None),
    ("PUT", "/api/v1/companies/c1", {}),
    ("GET", "/api/v1/workspace", None),
    ("PATCH", "/api/v1/workspace", {"name": "x"}),
    ("POST", "/api/v1/workspace/identity-secret/rotate", None),
    ("GET", "/api/v1/workspace/identity-stats", None),
    ("GET", "/api/v1/content/export", None),
    ("POST", "/api/v1/content/import", {"format": "shirube.content/1"}),
]


def _auth_variants(ws: Any) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "basic": {"Authorization": f"Basic {ws.secret_key}"},
        "bearer-only": {"Authorization": "Bearer "},
        "public-key": {"Authorization": f"Bearer {ws.public_key}"},
        "unknown-sk": {"Authorization": "Bearer sk_" + "0" * 43},
        "truncated-sk": {"Authorization": f"Bearer {ws.secret_key[:-1]}"},
    }


def test_server_api_needs_the_secret_key(client, workspace, database, subtests):
    for method, path, body in SERVER_CALLS:
        for name, headers in _auth_variants(workspace).items():
            with subtests.test(method=method, path=path, auth=name):
                response = client.request(method, path, json=body, headers=headers)
                error = assert_error(response, 401, "unauthorized")
                assert response.headers["www-authenticate"].startswith("Bearer")
                if name == "public-key":
                    assert "pk_" in error["message"]
    assert count(database, tables.event) == 0
    assert client.get("/api/v1/tours", headers=workspace.auth).json()["data"] == []


def test_bearer_scheme_is_case_insensitive(client, workspace):
    assert (
        client.get(
            "/api/v1/tours", headers={"Authorization": f"bearer {workspace.secret_key}"}
        ).status_code
        == 200
    )


# Never a 500 --------------------------------------------------------------------------------

WEIRD_VALUES: list[Any] = [
    None,
    True,
    -1,
    2**63,
    1e308,
    "",
    "💥\u202e",
    "x" * 5000,
    [None],
    {"$": {"$": []}},
]


def _weird_calls(
    workspace: Any, token: str, value: Any
) -> list[tuple[str, str, Any, dict[str, str]]]:
    return [
        (
            "POST",
            "/api/v1/events",
            {"events": [{"id": "e1", "name": "x", "user_id": value}]},
            workspace.auth,
        ),
        (
            "POST",
            "/api/v1/events",
            {"events": [{"id": "e1", "name": "x", "user_id": "u", "properties": {"k": value}}]},
            workspace.auth,
        ),
        (
            "POST",
            "/api/v1/events",
            {"events": [{"id": "e1", "name": "x", "user_id": "u", "timestamp": value}]},
            workspace.auth,
        ),
        (
            "POST",
            "/api/v1/events",
            {
                "events": [
                    {
                        "id": "e1",
                        "name": "$page_viewed",
                        "user_id": "u",
                        "properties": {"url": value},
                    }
                ]
            },
            workspace.auth,
        ),
        (
            "POST",
            "/api/v1/events",
            {
                "events": [
                    {
                        "id": "e1",
                        "name": "$survey_answered",
                        "user_id": "u",
                        "properties": {"checklist": "c", "rating": value},
                    }
                ]
            },
            workspace.auth,
        ),
        ("POST", "/api/v1/events", {"events": value}, workspace.auth),
        (
            "POST",
            "/api/v1/widget/session",
            {"public_key": workspace.public_key, "user_id": "u", "traits": {"t": value}},
            {"Origin": ORIGIN},
        ),
        (
            "POST",
            "/api/v1/widget/session",
            {"public_key": workspace.public_key, "user_id": "u", "identity_token": value},
            {"Origin": ORIGIN},
        ),
        (
            "POST",
            "/api/v1/widget/session",
            {"public_key": value, "user_id": "u"},
            {"Origin": ORIGIN},
        ),
        (
            "POST",
            "/api/v1/widget/session",
            {
                "public_key": workspace.public_key,
                "user_id": "u",
                "company": {"id": "c", "traits": value},
            },
            {"Origin": ORIGIN},
        ),
        (
            "POST",
            "/api/v1/widget/events",
            {"token": value, "events": [{"id": "w", "name": "x"}]},
            {"Origin": ORIGIN},
        ),
        (
            "POST",
            "/api/v1/widget/events",
            {"token": token, "events": [{"id": "w", "name": "x", "properties": {"v": value}}]},
            {"Origin": ORIGIN},
        ),
        ("POST", "/api/v1/tours", {**tour_doc(), "name": value}, workspace.auth),
        ("POST", "/api/v1/tours", {**tour_doc(), "audience": value}, workspace.auth),
        ("POST", "/api/v1/checklists", {**checklist_doc(), "items": value}, workspace.auth),
        ("POST", "/api/v1/tours/welcome/rollback", {"version": value}, workspace.auth),
        ("PATCH", "/api/v1/workspace", {"allowed_origins": value}, workspace.auth),
        ("POST", "/api/v1/content/import", {"format": value}, workspace.auth),
    ]


def test_weird_values_never_cause_a_500(client, workspace, subtests):
    token = open_session(client, workspace, "fuzz")["token"]
    for value in WEIRD_VALUES:
        for method, path, body, headers in _weird_calls(workspace, token, value):
            with subtests.test(path=path, body=body):
                response = client.request(method, path, json=body, headers=headers)
                assert response.status_code < 500, response.text
                if response.status_code >= 400:
                    assert_error(response, response.status_code, response.json()["error"]["code"])


# Bugs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-01:00"])
def test_timestamp_at_the_edge_of_the_datetime_range(client, workspace, timestamp):
    response = _events(client, workspace, {"events": [ev("e1", "x", timestamp=timestamp)]})
    assert_error(response, 422, "validation_error", ["events[0].timestamp"])


NUL_CALLS = [
    (
        "event user_id",
        "POST",
        "/api/v1/events",
        {"events": [{"id": "e1", "name": "x", "user_id": "u\u0000"}]},
    ),
    (
        "event company_id",
        "POST",
        "/api/v1/events",
        {"events": [{"id": "e1", "name": "x", "user_id": "u", "company_id": "c\u0000"}]},
    ),
    (
        "event properties",
        "POST",
        "/api/v1/events",
        {"events": [{"id": "e1", "name": "x", "user_id": "u", "properties": {"k": "a\u0000b"}}]},
    ),
    ("session user_id", "POST", "/api/v1/widget/session", {"user_id": "u\u0000"}),
    (
        "session public_key",
        "POST",
        "/api/v1/widget/session",
        {"user_id": "u", "public_key": "pk_\u0000"},
    ),
    (
        "session company",
        "POST",
        "/api/v1/widget/session",
        {"user_id": "u", "company": {"id": "c\u0000"}},
    ),
    (
        "session traits",
        "POST",
        "/api/v1/widget/session",
        {"user_id": "u", "traits": {"role": "\u0000"}},
    ),
    ("tour name", "POST", "/api/v1/tours", {**tour_doc(), "name": "n\u0000"}),
    ("user traits", "PUT", "/api/v1/users/u1", {"traits": {"a": "\u0000"}}),
    ("workspace name", "PATCH", "/api/v1/workspace", {"name": "a\u0000"}),
    ("path key", "GET", "/api/v1/tours/a%00b", None),
    ("path user", "GET", "/api/v1/users/a%00b", None),
    ("path user progress", "GET", "/api/v1/users/a%00b/progress", None),
    ("path company", "GET", "/api/v1/companies/a%00b", None),
]


def _nul_requests(client: Any, workspace: Any) -> list[tuple[str, int]]:
    statuses = []
    for name, method, path, body in NUL_CALLS:
        headers = dict(workspace.auth)
        if path.startswith("/api/v1/widget/"):
            body = {"public_key": workspace.public_key, **body}
            headers = {"Origin": ORIGIN}
        response = client.request(method, path, json=body, headers=headers)
        statuses.append((name, response.status_code))
    return statuses


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_nul_characters_never_cause_a_500_sqlite(client, workspace):
    assert all(status < 500 for _, status in _nul_requests(client, workspace))


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_nul_characters_never_cause_a_500_postgres(client, workspace):
    statuses = _nul_requests(client, workspace)
    assert [name for name, status in statuses if status >= 500] == []


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("POST", "/api/v1/tours", b"{bad"),
        ("PUT", "/api/v1/tours/welcome", b"{bad"),
        ("POST", "/api/v1/tours/welcome/rollback", b'{"version": 0}'),
    ],
)
def test_authentication_comes_before_body_parsing(client, method, path, content):
    response = client.request(
        method, path, content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 401, "unauthorized")


def test_import_authenticates_before_parsing(client):
    response = client.post(
        "/api/v1/content/import", content=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    ("endpoint", "body", "accepted"),
    [
        ("session", {"traits": {"role": {"nested": 1}}}, {"traits.role"}),
        ("session", {"traits": {"tags": [{"x": 1}]}}, {"traits.tags", "traits.tags[0]"}),
        (
            "session",
            {"company": {"id": "c1", "traits": {"plan": {"x": 1}}}},
            {"company.traits.plan"},
        ),
        ("session", {"traits": {"": 1}}, {"traits", 'traits[""]'}),
        ("session", {"traits": {"role": "x" * 1001}}, {"traits.role"}),
        ("user", {"traits": {"a": {"b": 1}}}, {"traits.a"}),
        ("company", {"traits": {"a": [[1]]}}, {"traits.a", "traits.a[0]"}),
    ],
)
def test_trait_errors_have_plain_paths(client, workspace, endpoint, body, accepted):
    """One problem, one field error, at a path into the submitted document."""
    if endpoint == "session":
        payload = {"public_key": workspace.public_key, "user_id": "u1", **body}
        response = client.post("/api/v1/widget/session", json=payload, headers={"Origin": ORIGIN})
    else:
        path = "/api/v1/users/x1" if endpoint == "user" else "/api/v1/companies/x1"
        response = client.put(path, json=body, headers=workspace.auth)
    error = assert_error(response, 422, "validation_error")
    [field] = error["fields"]
    assert field["path"] in accepted


SHARED_PATHS = [
    ("PATCH", "/api/v1/tours", {"GET", "POST"}),
    ("POST", "/api/v1/tours/welcome", {"GET", "PUT", "DELETE"}),
    ("PUT", "/api/v1/workspace", {"GET", "PATCH"}),
    ("POST", "/api/v1/users/u1", {"GET", "PUT"}),
    ("DELETE", "/api/v1/companies/c1", {"GET", "PUT"}),
]


def test_405_allow_header_lists_every_method(client, workspace, subtests):
    """Paths served by several routes list all their methods (they listed the first route's)."""
    for method, path, allowed in SHARED_PATHS:
        with subtests.test(method=method, path=path):
            response = client.request(method, path, headers=workspace.auth)
            assert_error(response, 405, "method_not_allowed")
            listed = {m.strip() for m in response.headers["allow"].split(",")} - {"HEAD"}
            assert listed == allowed


def test_out_of_range_integers_are_refused(client, workspace):
    """Integers beyond the INTEGER columns never reach the database (they did: 500)."""
    client.put("/api/v1/tours/welcome", json=tour_doc(), headers=workspace.auth)
    client.post("/api/v1/tours/welcome/publish", headers=workspace.auth)
    for big in (2**31, 2**63):
        response = client.post(
            "/api/v1/tours/welcome/rollback", json={"version": big}, headers=workspace.auth
        )
        assert_error(response, 422, "validation_error", ["version"])
        assert_error(
            client.get(f"/api/v1/tours/welcome/versions/{big}", headers=workspace.auth),
            404,
            "not_found",
        )
        event = ev(f"v{big}", "$tour_started", properties={"tour": "welcome", "version": big})
        assert_error(
            _events(client, workspace, {"events": [event]}),
            422,
            "validation_error",
            ["events[0].properties.version"],
        )
    assert (
        client.get(
            f"/api/v1/tours/welcome/versions/{2**31 - 1}", headers=workspace.auth
        ).status_code
        == 404
    )


def test_deeply_nested_properties_never_cause_a_500(client, workspace):
    for depth in (300, 1000, 1020):
        nested = b"[" * depth + b"]" * depth
        body = (
            b'{"events": [{"id": "e%d", "name": "x", "user_id": "u", "properties": {"k": ' % depth
            + nested
            + b"}}]}"
        )
        response = _raw(client, workspace, "/api/v1/events", body)
        assert response.status_code in (200, 422), (depth, response.text)
        if response.status_code == 422:
            assert_error(response, 422, "validation_error", ["events[0].properties"])
    # With an integer beyond 64 bits the body is read a second time, by the standard library,
    # which stops a few levels short of orjson's 1,024.
    for depth in (300, 1000, 1020):
        nested = b"[" * depth + b"12345678901234567890123" + b"]" * depth
        body = b'{"events": [{"id": "b", "name": "x", "user_id": "u", "properties": {"k": %s}}]}'
        response = _raw(client, workspace, "/api/v1/events", body % nested)
        assert response.status_code in (400, 422), (depth, response.text)


BIG_NUMBER_CALLS = [
    ("user traits", "PUT", "/api/v1/users/u1", {"traits": {"n": 1e20}}, "/api/v1/users/u1"),
    (
        "company traits",
        "PUT",
        "/api/v1/companies/c1",
        {"traits": {"n": 1e25}},
        "/api/v1/companies/c1",
    ),
    (
        "audience value",
        "POST",
        "/api/v1/tours",
        tour_doc(audience={"all": [{"attribute": "user.n", "op": "gt", "value": 1e20}]}),
        "/api/v1/tours/welcome",
    ),
    ("export", None, None, None, "/api/v1/content/export"),
]


def _big_number_statuses(client: Any, workspace: Any) -> dict[str, tuple[int, int]]:
    statuses = {}
    for name, method, path, body, read in BIG_NUMBER_CALLS:
        write = (
            client.request(method, path, json=body, headers=workspace.auth).status_code
            if method
            else 0
        )
        statuses[name] = (write, client.get(read, headers=workspace.auth).status_code)
    return statuses


def test_big_numbers_round_trip(client, workspace):
    """PostgreSQL's JSONB turns 1e20 into an integer beyond 64 bits; reading it back must not
    break the response (it answered 500 on every later read)."""
    statuses = _big_number_statuses(client, workspace)
    assert {name: pair for name, pair in statuses.items() if max(pair) >= 500} == {}
    assert client.get("/api/v1/users/u1", headers=workspace.auth).json()["traits"]["n"] == 1e20


def test_odd_content_lengths_never_give_a_500() -> None:
    from shirube.api.request_body import declared_length

    assert declared_length("²") is None and declared_length("-1") is None
    assert declared_length(None) is None and declared_length("") is None
    assert declared_length("00012") == 12 and declared_length("0") == 0
    assert declared_length("9" * 5000) == 10**18


LONG_LOCALE = (
    "AA_000000_00000000_00000000_00000000"  # 36 characters; found by tests/api/test_fuzz.py
)


def test_a_locale_longer_than_its_column_is_refused(client, workspace):
    """The pattern took any number of subtags; PostgreSQL's 35-character columns then failed
    the statement (a 500) for a user's locale, a session's, a workspace's default."""
    longest = LONG_LOCALE[:35].rstrip("_")
    calls = [
        ("PUT", "/api/v1/users/u1", "locale", workspace.auth),
        ("PATCH", "/api/v1/workspace", "default_locale", workspace.auth),
    ]
    for method, path, name, headers in calls:
        refused = client.request(method, path, json={name: LONG_LOCALE}, headers=headers)
        assert_error(refused, 422, "validation_error", [name])
        accepted = client.request(method, path, json={name: longest}, headers=headers)
        assert accepted.status_code in (200, 201), accepted.text
    refused = post_session(client, workspace.public_key, "u2", locale=LONG_LOCALE)
    assert_error(refused, 422, "validation_error", ["locale"])
    assert open_session(client, workspace, "u2", locale=longest)["user"][
        "locale"
    ] == longest.replace("_", "-")
