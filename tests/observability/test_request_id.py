"""Every answer carries `X-Request-Id`, the client's when it is safe to repeat, and every JSON
error body repeats it (`error.request_id`), a 500 included; the console's error pages show it."""

from __future__ import annotations

import re

import pytest
from shirube.observability.logs import RequestIdFilter
from starlette.responses import Response

from tests.api.helpers import assert_error
from tests.conftest import ORIGIN
from tests.console.conftest import make_admin, sign_in
from tests.observability.conftest import scrape, value

REQUESTS = "shirube_http_requests_total"
GENERATED = re.compile(r"[0-9a-f]{24}")


def _requests(client, workspace):
    """One request of each kind of answer: API, widget session (the shortcut), errors of every
    layer, 404s, preflights, the console, static files, the metrics."""
    session = {"public_key": workspace.public_key, "user_id": "u1"}
    return {
        "health": lambda h: client.get("/healthz", headers=h),
        "server API": lambda h: client.get("/api/v1/workspace", headers={**workspace.auth, **h}),
        "server API 401": lambda h: client.get("/api/v1/workspace", headers=h),
        "server API 422": lambda h: client.post(
            "/api/v1/events", json={"events": [{}]}, headers={**workspace.auth, **h}
        ),
        "widget session": lambda h: client.post(
            "/api/v1/widget/session", json=session, headers={"Origin": ORIGIN, **h}
        ),
        "widget session 400": lambda h: client.post(
            "/api/v1/widget/session", content=b"{", headers={"Origin": ORIGIN, **h}
        ),
        "widget preflight": lambda h: client.options(
            "/api/v1/widget/session",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST", **h},
        ),
        "405": lambda h: client.delete("/healthz", headers=h),
        "404": lambda h: client.get("/nope", headers=h),
        "%00 refused": lambda h: client.get("/api/v1/users/a%00b", headers=h),
        "console page": lambda h: client.get("/console/login", headers=h),
        "console redirect": lambda h: client.get("/console/", headers=h, follow_redirects=False),
        "console 404": lambda h: client.get("/console/nope", headers=h),
        "widget bundle": lambda h: client.get("/widget/shirube.js", headers=h),
        "metrics 401": lambda h: client.get("/metrics", headers=h),
    }


def test_every_answer_repeats_a_safe_request_id(client, workspace, subtests):
    for name, call in _requests(client, workspace).items():
        with subtests.test(name):
            response = call({"X-Request-Id": "trace-42.a_B"})
            assert response.headers["x-request-id"] == "trace-42.a_B"
            assert response.headers.get_list("x-request-id") == ["trace-42.a_B"]
            json = response.headers.get("content-type", "").startswith("application/json")
            if json and response.status_code >= 400:
                assert response.json()["error"]["request_id"] == "trace-42.a_B"


@pytest.mark.parametrize(
    "offered",
    [
        "",
        "a" * 65,
        "has space",
        'quote"d',
        "new\\nline",
        "semi;colon",
        "{json}",
        "ünïcode".encode().decode("latin-1"),
    ],
)
def test_an_unsafe_or_missing_request_id_is_replaced(client, offered):
    headers = {"X-Request-Id": offered.encode("latin-1")}
    for response in (client.get("/healthz", headers=headers), client.get("/nope", headers=headers)):
        made = response.headers["x-request-id"]
        assert GENERATED.fullmatch(made), made
    assert response.json()["error"]["request_id"] == made
    # Each request its own.
    assert client.get("/healthz").headers["x-request-id"] != made


def test_the_longest_safe_id_is_kept(client):
    offered = "A-z0.9_" * 9 + "x"
    assert len(offered) == 64
    assert (
        client.get("/healthz", headers={"X-Request-Id": offered}).headers["x-request-id"] == offered
    )


def test_a_server_error_answers_500_with_the_request_id(app, client, caplog):
    async def boom(request):
        raise RuntimeError("the handler broke")

    async def fine(request):
        return Response("ok")

    app.add_route("/boom", boom)
    app.add_route("/fine", fine)
    caplog.handler.addFilter(RequestIdFilter())  # as `shirube serve`'s handler has it
    with caplog.at_level("ERROR", logger="shirube"):
        response = client.get("/boom", headers={"X-Request-Id": "failing-1"})
    assert_error(response, 500, "internal_error")
    assert response.headers["x-request-id"] == "failing-1"
    assert "the handler broke" not in response.text  # no details to the client
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.request_id == "failing-1"  # set for the request's task
    # The next request gets its own id.
    assert client.get("/fine").headers["x-request-id"] != "failing-1"
    samples = scrape(client)
    assert value(samples, REQUESTS, route="/boom", method="GET", status="500") == 1


def test_the_console_error_pages_show_the_request_id(client, workspace, database):
    page = client.get("/console/nope", headers={"X-Request-Id": "console-404"})
    assert page.status_code == 404
    assert page.headers["x-request-id"] == "console-404"
    assert "Request id <code>console-404</code>" in page.text
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    missing = client.get("/console/workspaces/999999")
    assert missing.status_code == 404
    assert f"Request id <code>{missing.headers['x-request-id']}</code>" in missing.text
