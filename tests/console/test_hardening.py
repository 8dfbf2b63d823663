"""Review fixes: failures answer the console's own HTML page with its headers, odd
Content-Lengths are refused rather than crashing, the bare /console path gets the headers,
the CSP covers form targets, and the workspace page aggregates only its own workspace's rows."""

from __future__ import annotations

import re
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest
from shirube.console.headers import HEADERS
from shirube.storage import Database
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from tests.api.helpers import checklist_doc, event_item, publish, tour_doc
from tests.conftest import WorkspaceKeys
from tests.console.conftest import csrf_from, make_admin, sign_in


def _check_headers(answer: Any) -> None:
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, (answer.request.url, name)


def test_database_down_answers_an_html_error_page_with_the_headers(
    client: TestClient,
    database: Database,
    workspace: WorkspaceKeys,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make_admin(database, "ops@example.com", {workspace.id: "owner"})
    assert sign_in(client, "ops@example.com").status_code == 303
    token = csrf_from(client, "/console/")

    async def down(work: Any, **_: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("connection refused: secret-detail"))

    monkeypatch.setattr(database, "run", down)
    answers = [
        client.get("/console/"),
        client.get(f"/console/workspaces/{workspace.id}"),
        client.get("/console/login"),
        client.post(
            "/console/login",
            data={"email": "ops@example.com", "password": "x", "csrf_token": token},
        ),
    ]
    for answer in answers:
        assert answer.status_code == 500
        assert answer.headers["content-type"].startswith("text/html")
        assert "Error 500" in answer.text
        # Neither a traceback nor the driver's message reaches the browser.
        assert "Traceback" not in answer.text and "secret-detail" not in answer.text
        _check_headers(answer)
    # The operator still gets the failure in the log.
    assert any("secret-detail" in (r.exc_text or "") for r in caplog.records)


@pytest.mark.parametrize("length", [b"1" * 5000, b"-1", b"1e3", b"0x10", b""])
def test_odd_content_lengths_are_refused_not_crashed_on(client: TestClient, length: bytes) -> None:
    csrf_from(client)
    answer = client.post(
        "/console/login",
        content=b"email=a",
        headers={
            b"content-length": length,
            b"content-type": b"application/x-www-form-urlencoded",
        },
    )
    assert answer.status_code in (411, 413)
    assert answer.headers["content-type"].startswith("text/html")
    _check_headers(answer)


@pytest.mark.parametrize("length", [b"\xb2", b"\xb9"])
def test_a_unicode_digit_content_length_is_refused(client: TestClient, length: bytes) -> None:
    """b"\xb2" is "²" once Starlette decodes headers as latin-1: str.isdigit() says yes and
    int() raises. The test client would re-encode the header, so this drives ASGI directly."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/console/login",
        "raw_path": b"/console/login",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", length),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"a", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def drive() -> None:
        await client.app(scope, receive, send)

    assert client.portal is not None
    client.portal.call(drive)
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 411


def test_a_form_just_under_the_limit_with_leading_zeros_is_read(
    client: TestClient, database: Database
) -> None:
    make_admin(database, "ops@example.com")
    token = csrf_from(client)
    body = f"email=nobody%40example.com&password=x&csrf_token={token}".encode()
    answer = client.post(
        "/console/login",
        content=body,
        headers={
            "content-length": f"{len(body):08d}",
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert answer.status_code == 400  # a wrong login, so the form was parsed


def test_the_bare_console_path_redirects_with_the_security_headers(client: TestClient) -> None:
    answer = client.get("/console", follow_redirects=False)
    assert answer.status_code in (303, 307, 308)
    assert answer.headers["location"].endswith("/console/")
    _check_headers(answer)
    # Paths that merely start with the same letters are not the console's.
    other = client.get("/consolefoo", follow_redirects=False)
    assert other.status_code == 404
    assert "content-security-policy" not in other.headers


def test_the_policy_pins_form_targets_and_the_base_url(client: TestClient) -> None:
    policy = client.get("/console/login").headers["content-security-policy"]
    directives = {part.strip() for part in policy.split(";")}
    assert "form-action 'self'" in directives
    assert "base-uri 'none'" in directives
    assert "frame-ancestors 'none'" in directives


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    """The SQL of every statement run meanwhile (each goes through the statement cache)."""
    seen: list[str] = []
    compile_statement = database.statements.get

    def record(statement: Any) -> Any:
        compiled = compile_statement(statement)
        seen.append(compiled.sql)
        return compiled

    with patch.object(database.statements, "get", record):
        yield seen


def test_the_workspace_page_aggregates_no_other_workspaces_rows(
    client: TestClient,
    database: Database,
    workspace: WorkspaceKeys,
    other_workspace: WorkspaceKeys,
) -> None:
    make_admin(database, "ops@example.com", {workspace.id: "owner"})
    for ws in (workspace, other_workspace):
        publish(client, ws, "tour", tour_doc("welcome"))
        publish(client, ws, "checklist", checklist_doc("setup", [event_item("a", "a_done")]))
    sign_in(client, "ops@example.com")
    with _statements(database) as seen:
        page = client.get(f"/console/workspaces/{workspace.id}")
    assert page.status_code == 200
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert selects
    for statement in selects:
        # A list bound as one parameter reads like a subquery (storage.in_values): it is not.
        statement = re.sub(r"\(SELECT value FROM json_each\(\?\)\)", "(?)", statement)
        # Every grouped read is of one workspace: a GROUP BY without a workspace filter in
        # the same (sub)query would add up every tenant's rows.
        for part in re.split(r"\(\s*SELECT", statement, flags=re.I):
            grouped = re.split(r"GROUP BY", part, maxsplit=1, flags=re.I)
            if len(grouped) == 2:
                assert "workspace_id" in grouped[0], statement
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", page.text)


def test_a_wrong_method_gets_the_html_405_with_its_allow_header(client: TestClient) -> None:
    for method, path, allowed in (
        ("POST", "/console/", {"GET", "HEAD"}),
        ("DELETE", "/console/login", {"GET", "HEAD", "POST"}),
    ):
        answer = client.request(method, path)
        assert answer.status_code == 405
        assert answer.headers["content-type"].startswith("text/html")
        assert {m.strip() for m in answer.headers["allow"].split(",")} == allowed
        _check_headers(answer)


@pytest.mark.parametrize("field", ["email", "password", "csrf_token"])
def test_a_form_charset_that_decodes_to_surrogates_is_refused(
    client: TestClient, field: str
) -> None:
    """A form declared utf-7 or unicode_escape decodes to lone surrogates, which no driver can store or
    compare (and the CSRF check cannot encode): 400, before anything is looked up."""
    values = {"email": "ops@example.com", "password": "guess", "csrf_token": csrf_from(client)}
    values[field] = "\\ud800" + values[field]
    parts = b"".join(
        b'--B\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n'
        + value.encode() + b"\r\n"
        for name, value in values.items()
    ) + b"--B--\r\n"  # fmt: skip
    answer = client.post(
        "/console/login",
        content=parts,
        headers={"content-type": "multipart/form-data; boundary=B; charset=unicode_escape"},
        follow_redirects=False,
    )
    assert answer.status_code == 400
    assert "The form could not be read." in answer.text
    _check_headers(answer)


def test_hsts_over_https_only(app: Any, client: TestClient) -> None:
    """Once seen over https, the console is never asked for over plain http again; over plain
    http (the demo) the header would only be ignored, and is not sent."""
    with TestClient(app, base_url="https://testserver") as https:
        for path in ("/console/login", "/console/", "/console/static/console.css"):
            answer = https.get(path, follow_redirects=False)
            assert answer.headers["strict-transport-security"] == "max-age=31536000", path
    assert "strict-transport-security" not in client.get("/console/login").headers
    # The API and the widget are the host application's business: no header there.
    with TestClient(app, base_url="https://testserver") as https:
        assert "strict-transport-security" not in https.get("/healthz").headers
