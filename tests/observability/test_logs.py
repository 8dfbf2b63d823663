"""Log lines: JSON objects (or text) carrying the request id and the access fields; never a
key, token, cookie or password, whatever the request carried."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
from shirube.observability.logs import (
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    logging_config,
)

from tests.api.helpers import ev, identity_token, open_session, post_widget_events, send_events, wev
from tests.console.conftest import PASSWORD, make_admin, sign_in
from tests.observability.conftest import BEARER, TOKEN

CLIENT_SIDE = ("httpx", "httpcore")  # the test client's own lines, not the server's


class _ServerOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(CLIENT_SIDE)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every line the process logs, at every level, through the formatter `shirube serve`
    installs (JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(_ServerOnly())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_access_lines_are_json_with_the_request_id(app, client, workspace, log_lines):
    async def boom(request):
        raise RuntimeError("the handler broke")

    app.add_route("/boom", boom)
    client.get("/api/v1/users/someone", headers={**workspace.auth, "X-Request-Id": "req-1"})
    session = client.post(
        "/api/v1/widget/session", json={"public_key": workspace.public_key, "user_id": "u1"},
        headers={"Origin": "https://app.example.com"},
    )  # fmt: skip
    client.get("/boom", headers={"X-Request-Id": "req-boom"})
    lines = _lines(log_lines)
    access = [line for line in lines if line["logger"] == "shirube.access"]
    assert [(a["method"], a["route"], a["status"]) for a in access] == [
        ("GET", "/api/v1/users/{user_id}", 404),
        ("POST", "/api/v1/widget/session", 200),
        ("GET", "/boom", 500),
    ]
    first = access[0]
    assert set(first) == {
        "time", "level", "logger", "message", "request_id", "method", "route", "status",
        "duration_ms", "client",
    }  # fmt: skip
    assert first["request_id"] == "req-1" and first["level"] == "info"
    assert first["message"] == "GET /api/v1/users/{user_id} 404"
    assert first["time"].endswith("Z") and first["duration_ms"] >= 0
    assert access[1]["request_id"] == session.headers["x-request-id"]
    (failure,) = [line for line in lines if "exception" in line]
    assert failure["level"] == "error" and failure["request_id"] == "req-boom"
    assert failure["exception_type"] == "RuntimeError"
    assert "the handler broke" in failure["exception"]
    assert "Traceback" in failure["exception"]


def test_text_lines_escape_control_characters():
    record = logging.LogRecord("shirube", logging.INFO, "", 0, "path /a\nFORGED b", None, None)
    record.request_id = "r1"
    record.status = 200
    line = TextFormatter().format(record)
    assert "\n" not in line
    assert line.endswith("INFO shirube path /a\\x0aFORGED b request_id=r1 status=200")


def test_the_serve_configuration_formats_every_logger_alike():
    config = logging_config("json", "warning")
    assert config["root"]["level"] == "WARNING"
    assert config["formatters"]["line"]["()"] is JsonFormatter
    assert config["handlers"]["stderr"]["filters"] == ["request_id"]
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        assert config["loggers"][name]["handlers"] == []  # through the root's handler
    assert logging_config("text", "info")["formatters"]["line"]["()"] is TextFormatter
    assert sys.stderr  # the handler's stream


def test_no_secret_reaches_a_log_line(app, client, workspace, database, log_lines):
    """Every kind of credential, right and wrong, in headers, bodies and cookies, on every
    path that logs (access lines, refusals, a 500), at DEBUG."""

    async def boom(request):
        raise RuntimeError("failed")

    app.add_route("/boom", boom)
    secrets = [workspace.secret_key, workspace.identity_secret, PASSWORD, TOKEN]
    wrong_key = "sk_" + "w" * 43
    secrets.append(wrong_key)
    client.get("/api/v1/workspace", headers=workspace.auth)
    client.get("/api/v1/workspace", headers={"Authorization": f"Bearer {wrong_key}"})
    send_events(client, workspace, [ev("e1", "a")])
    client.post("/api/v1/events", json={"events": [{}]}, headers=workspace.auth)
    rotated = client.post("/api/v1/workspace/identity-secret/rotate", headers=workspace.auth)
    secrets.append(rotated.json()["identity_secret"])
    signed = identity_token(workspace.identity_secret, "u1")
    secrets.append(signed)
    session = open_session(client, workspace, "u1", identity_token=signed)
    secrets.append(session["token"])
    post_widget_events(client, session["token"], [wev("w1", "x")])
    post_widget_events(client, session["token"] + "x", [wev("w2", "x")])
    client.get("/metrics", headers=BEARER)
    client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}-wrong"})
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    sign_in(client, "owner@example.com", "not the password at all")
    secrets.append("not the password at all")
    sign_in(client, "owner@example.com")
    cookie = client.cookies.get("shirube_console")
    assert cookie
    secrets.append(cookie)
    client.get(f"/console/workspaces/{workspace.id}")
    client.get("/boom", headers={"Authorization": f"Bearer {workspace.secret_key}"})
    text = log_lines.getvalue()
    assert "shirube.access" in text and "failed" in text  # the lines were written
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == []
