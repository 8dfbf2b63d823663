"""Query parameters (api/query.py): only the declared ones, each once, each of its kind; every
refusal a 400 naming the parameter. Found by the fuzz test (tests/api/test_fuzz.py): unknown
parameters were ignored and `?finish=1` rotated the identity secret instead of finishing."""

from __future__ import annotations

import pytest
from shirube.storage import tables

from tests.api.helpers import (
    assert_error,
    count,
    open_session,
    post_session,
    post_widget_events,
    tour_doc,
    wev,
)
from tests.conftest import ORIGIN

EXAMPLE = {"format": "shirube.content/1", "tours": [tour_doc("welcome")], "checklists": []}


def _names_parameter(response, name: str) -> None:
    error = assert_error(response, 400, "bad_request", [name])
    assert name in error["message"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/healthz"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/workspace"),
        ("GET", "/api/v1/tours"),
        ("GET", "/api/v1/users/u1"),
        ("POST", "/api/v1/tours/welcome/publish"),
        ("GET", "/api/v1/content/export"),
    ],
)
def test_an_unknown_parameter_is_refused_by_name(client, workspace, method, path):
    response = client.request(method, path + "?verbose=1", headers=workspace.auth)
    _names_parameter(response, "verbose")


def test_a_misspelt_parameter_imports_nothing(client, workspace, database):
    response = client.post(
        "/api/v1/content/import?publsh=false", json=EXAMPLE, headers=workspace.auth
    )
    _names_parameter(response, "publsh")
    assert count(database, tables.content_item) == 0


def test_a_parameter_given_twice_is_refused(client, workspace):
    response = client.post(
        "/api/v1/content/import?publish=true&publish=false", json=EXAMPLE, headers=workspace.auth
    )
    error = assert_error(response, 400, "bad_request", ["publish"])
    assert "more than once" in error["message"]


def test_the_widget_api_refuses_unknown_parameters(client, workspace):
    response = client.post(
        "/api/v1/widget/session?debug=true",
        json={"public_key": workspace.public_key, "user_id": "u1"},
        headers={"Origin": ORIGIN},
    )
    _names_parameter(response, "debug")
    assert response.headers["access-control-allow-origin"] == ORIGIN
    token = open_session(client, workspace)["token"]
    response = client.post(
        "/api/v1/widget/events?x=",
        json={"token": token, "events": [wev("e1", "clicked")]},
        headers={"Origin": ORIGIN},
    )
    _names_parameter(response, "x")
    assert post_widget_events(client, token, [wev("e1", "clicked")]).status_code == 200
    assert post_session(client, workspace.public_key).status_code == 200


@pytest.mark.parametrize("value", ["1", "0", "yes", "", "truee"])
def test_a_flag_is_true_or_false(client, workspace, value):
    before = client.get("/api/v1/workspace", headers=workspace.auth).json()
    response = client.post(
        f"/api/v1/workspace/identity-secret/rotate?finish={value}", headers=workspace.auth
    )
    _names_parameter(response, "finish")
    assert client.get("/api/v1/workspace", headers=workspace.auth).json() == before


def test_a_flag_reads_any_case(client, workspace):
    response = client.post(
        "/api/v1/workspace/identity-secret/rotate?finish=TRUE", headers=workspace.auth
    )
    assert response.json() == {"identity_secret_rotating": False}


@pytest.mark.parametrize("value", ["0", "367", "-1", "²", "1e2", "99999999999999999999", ""])
def test_a_count_is_a_whole_number_in_its_range(client, workspace, value):
    response = client.get(f"/api/v1/workspace/identity-stats?days={value}", headers=workspace.auth)
    error = assert_error(response, 400, "bad_request", ["days"])
    assert error["fields"][0]["message"] == "must be between 1 and 366"


def test_the_document_describes_the_parameters_routes_read(client):
    document = client.get("/api/v1/openapi.json").json()
    stats = document["paths"]["/api/v1/workspace/identity-stats"]["get"]["parameters"]
    assert stats == [
        {
            "name": "days",
            "in": "query",
            "required": False,
            "description": "how many days back, today included",
            "schema": {"type": "integer", "minimum": 1, "maximum": 366, "default": 30},
        }
    ]
