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


def _kpis(page: str, checklist: str) -> dict[str, str]:
    article = page.split(f'data-checklist="{checklist}"', 1)[1].split("</article>", 1)[0]
    return dict(re.findall(r'data-kpi="(\w+)">([^<]*)<', article))


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


def test_figures_of_a_seeded_checklist(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "ops@example.com", {workspace.id: "editor"})
    # The companies below come with unverified sessions: the workspace lets them write.
    update_workspace(database, workspace.id, unverified_company_writes=True)
    publish(client, workspace, "tour", tour_doc("welcome"))
    put_draft(client, workspace, "tour", tour_doc("welcome", name="Welcome, edited"))
    put_draft(client, workspace, "tour", tour_doc("draft-only"))
    items = [event_item("import", "employees_imported"), event_item("rules", "rules_saved")]
    publish(client, workspace, "checklist", checklist_doc("setup", items))
    # Company c2's name comes from the widget (traits); events add users to c1 and c2.
    open_session(client, workspace, "u3", company={"id": "c2", "traits": {"name": "Hikari"}})
    send_events(
        client,
        workspace,
        [
            # u1 (c1): both items, one hour after being first seen.
            ev("e1", "employees_imported", "u1", company_id="c1", timestamp=at(0)),
            ev("e2", "rules_saved", "u1", company_id="c1", timestamp=at(3600)),
            # u2 (c1): one item only.
            ev("e3", "employees_imported", "u2", company_id="c1", timestamp=at(0)),
            # u3 (c2): first seen at 0, both items done by 3 h.
            ev("e4", "login", "u3", company_id="c2", timestamp=at(0)),
            ev("e5", "rules_saved", "u3", company_id="c2", timestamp=at(3600)),
            ev("e6", "employees_imported", "u3", company_id="c2", timestamp=at(3 * 3600)),
            # u4: nothing that counts.
            ev("e7", "login", "u4", timestamp=at(0)),
        ],
    )
    sign_in(client, "ops@example.com")
    page = client.get(f"/console/workspaces/{workspace.id}").text

    assert _kpis(page, "setup") == {
        "started": "3",
        "completed": "2",
        "rate": "66.7 %",
        "median": "2 h 0 min",  # of 1 h and 3 h
    }
    onboarding = page.split("<h2>Onboarding</h2>", 1)[1]
    rows = _rows(onboarding)
    assert ["Item import import", "3"] in rows and ["Item rules rules", "2"] in rows
    # Top companies: most completions first, then the larger share.
    companies = [r for r in rows if len(r) == 4]
    assert companies == [["Hikari c2", "1", "1", "100.0 %"], ["c1", "2", "1", "50.0 %"]]

    content = _rows(page.split("<h2>Content</h2>", 1)[1].split("<h2>Onboarding</h2>", 1)[0])
    by_key = {row[0]: row for row in content}
    assert by_key["welcome"][1:5] == ["Tour welcome", "v1", "v1", "unpublished changes"]
    assert by_key["draft-only"][1:6] == [
        "Tour draft-only",
        "not published",
        "—",
        "unpublished changes",
        "—",
    ]
    assert by_key["setup"][1:5] == ["Checklist setup", "v1", "v1", "same as published"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", by_key["setup"][5])


def test_a_new_version_counts_its_own_items(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "ops@example.com", {workspace.id: "owner"})
    publish(client, workspace, "checklist", checklist_doc("setup", [event_item("a", "a_done")]))
    send_events(client, workspace, [ev("e1", "a_done", "u1", timestamp=at(0))])
    items = [event_item("a", "a_done"), event_item("b", "b_done")]
    assert publish(client, workspace, "checklist", checklist_doc("setup", items)) == 2
    sign_in(client, "ops@example.com")
    page = client.get(f"/console/workspaces/{workspace.id}").text
    assert _kpis(page, "setup") == {
        "started": "1",
        "completed": "0",
        "rate": "0.0 %",
        "median": "—",
    }
    assert "v2" in page


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
