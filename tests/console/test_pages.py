"""The workspace pages: who sees what, the figures of a small seeded scenario, escaping and
the security headers."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from markupsafe import escape
from shirube.console.headers import HEADERS
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.api.helpers import (
    at,
    checklist_doc,
    ev,
    event_item,
    open_session,
    publish,
    put_draft,
    send_events,
    tour_doc,
    update_workspace,
)
from tests.conftest import WorkspaceKeys, make_workspace
from tests.console.conftest import make_admin, sign_in


def _rows(section: str) -> list[list[str]]:
    """Table rows as lists of cell texts (tags dropped, entities decoded)."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if cells:
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def test_a_viewer_sees_its_workspace_and_nothing_of_another(
    client: TestClient, database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys
) -> None:
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    make_admin(database, "other@example.com", {other_workspace.id: "owner"})
    sign_in(client, "viewer@example.com")
    own = client.get(f"/console/workspaces/{workspace.id}")
    assert own.status_code == 200
    assert workspace.public_key in own.text and "https://app.example.com" in own.text
    assert "viewer" in own.text
    # The secret key and the identity secret are never shown.
    assert workspace.secret_key not in own.text and workspace.identity_secret not in own.text

    # One request id for the pages compared: each page shows it.
    same_id = {"X-Request-Id": "compared-request"}
    others = client.get(f"/console/workspaces/{other_workspace.id}", headers=same_id)
    missing = client.get("/console/workspaces/999999", headers=same_id)
    huge = client.get(f"/console/workspaces/{2**70}", headers=same_id)
    assert others.status_code == missing.status_code == huge.status_code == 404
    assert others.text == missing.text
    assert other_workspace.public_key not in others.text
    assert client.get("/console/workspaces/abc").status_code == 404


def test_the_workspace_page_lists_each_published_objective_with_its_dashboard(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(client, workspace, "checklist", checklist_doc("setup", [event_item("a", "x")]))
    goal = {
        "key": "onboarded",
        "name": "Onboarded",
        "rules": [{"id": "a", "rule": {"type": "event", "event": "x"}}],
    }
    publish(client, workspace, "goal", goal)
    put_draft(client, workspace, "checklist", checklist_doc("draft-only", [event_item("b", "y")]))
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    page = client.get(f"/console/workspaces/{workspace.id}").text
    listed = re.findall(r'data-objective="([^"]+)"', page)
    assert listed == ["goal:onboarded", "checklist:setup", "tour:welcome"]
    assert f"/console/workspaces/{workspace.id}/dashboard?objective=goal:onboarded" in page
    # The goal is listed with the content too, by its name.
    assert "Onboarded" in page and "draft-only" in page


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_names_from_admins_users_and_editors_are_escaped(
    client: TestClient, database: Database, payload: str
) -> None:
    ws = make_workspace(database, f"Kintai {payload}")
    make_admin(database, "ops@example.com", {ws.id: "owner"})
    publish(client, ws, "tour", tour_doc("welcome", name=f"Tour {payload}"))
    items = [event_item("a", "a_done")]
    publish(client, ws, "checklist", checklist_doc("setup", items, title={"en": payload}))
    open_session(client, ws, "u1", company={"id": "c1", "traits": {"name": payload}})
    send_events(client, ws, [ev("e1", "a_done", "u1", company_id="c1", timestamp=at(0))])
    sign_in(client, "ops@example.com")
    pages = [client.get("/console/").text, client.get(f"/console/workspaces/{ws.id}").text]
    escaped = str(escape(payload))
    for page in pages:
        assert payload not in page
        assert escaped in page
    # The workspace, the tour, the checklist and the company.
    assert pages[1].count(escaped) >= 4
    assert "<script" not in pages[0] + pages[1]


def _check_headers(answer: Any) -> None:
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, (answer.request.url, name)


def test_every_console_answer_carries_the_security_headers(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "ops@example.com", {workspace.id: "owner"})
    anonymous = [
        client.get("/console/login"),
        client.get("/console/", follow_redirects=False),
        client.get("/console/static/console.css"),
        client.get("/console/no-such-page"),
        client.post("/console/login", data={}),
    ]
    assert [a.status_code for a in anonymous] == [200, 303, 200, 404, 403]
    assert "text/html" in anonymous[3].headers["content-type"]
    for answer in anonymous:
        _check_headers(answer)
    # An anonymous error page sets no cookie.
    fresh = TestClient(client.app)
    assert "set-cookie" not in fresh.get("/console/no-such-page").headers
    sign_in(client, "ops@example.com")
    for path in ("/console/", f"/console/workspaces/{workspace.id}"):
        _check_headers(client.get(path))
    # No script at all, so nothing the CSP would have to allow.
    assert "<script" not in client.get(f"/console/workspaces/{workspace.id}").text


def test_the_workspace_page_says_what_its_identity_mode_allows(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "ops@example.com", {workspace.id: "owner"})
    sign_in(client, "ops@example.com")
    page = client.get(f"/console/workspaces/{workspace.id}").text
    assert "anyone with the public key can open a session as any user id" in page  # off
    update_workspace(database, workspace.id, identity_mode="enforce")
    page = client.get(f"/console/workspaces/{workspace.id}").text
    assert "a session needs the user&#39;s identity token" in page
