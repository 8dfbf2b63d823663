"""The broken-target report page (`/console/workspaces/{id}/broken-targets`, #14): fed by the
`$target_missing` events the widget sends (through the real events endpoint), readable by every
role and by no one outside the workspace, in English or Japanese, what the browser sent shown as
inert text, linked from the workspace page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from shirube.storage import Database
from shirube.timeutil import utcnow
from starlette.testclient import TestClient

from tests.api.helpers import iso, open_session, publish, wev, widget_send
from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin, sign_in

HOSTILE = '<img src=x onerror="window.pwned=1">'
TOUR = {
    "key": "welcome",
    "name": f"Welcome {HOSTILE}",
    "steps": [
        {"id": "hello", "kind": "modal", "title": "Hello"},
        {
            "id": "save",
            "kind": "tooltip",
            "title": {"en": "Save your work", "ja": "保存しましょう"},
            "target": {
                "css": "#save",
                "fallbacks": [{"by": "testid", "css": "[data-testid=save]"}],
                "text": "Save",
            },
        },
    ],
}


def _missing(event_id: str, minutes_ago: int = 0, **properties: Any) -> dict[str, Any]:
    return wev(
        event_id,
        "$target_missing",
        timestamp=iso(utcnow() - timedelta(minutes=minutes_ago)),
        properties={"tour": "welcome", "step": "save", "version": 1, **properties},
    )


def _seed(client: TestClient, workspace: WorkspaceKeys) -> None:
    publish(client, workspace, "tour", TOUR)
    token = open_session(client, workspace, "u1")["token"]
    tried = [{"by": "css", "found": 0}, {"by": "testid", "found": 2}, {"by": "text", "found": 0}]
    page = "https://app.example.com/employees"
    widget_send(
        client,
        token,
        [
            _missing("m1", 1, selector="#save", tried=tried, url=page + "?tab=a"),
            _missing("m2", selector="#save", tried=tried, url=page + "?tab=b"),
            # What a browser sends is the browser user's to write: shown, never run.
            _missing("m3", 5, selector=HOSTILE, url=f"https://app.example.com/{HOSTILE}"),
        ],
    )


def test_every_role_reads_the_report_fed_by_widget_events(
    client: TestClient, database: Database, workspace: WorkspaceKeys, other_workspace: WorkspaceKeys
) -> None:
    _seed(client, workspace)
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    sign_in(client, "viewer@example.com")
    page = client.get(f"/console/workspaces/{workspace.id}/broken-targets")
    assert page.status_code == 200
    text = page.text
    (row,) = re.findall(r'<tr data-tour="welcome" data-step="save">(.*?)</tr>', text, re.S)
    assert 'data-count="3"' in row
    assert "Save your work" in row and "#save" in row
    assert "https://app.example.com/employees</code> (2," in row
    assert 'data-by="testid" data-found="2"' in row and "2 found: must be exactly one" in row
    # Inert: escaped wherever it shows (tour name, selector, page).
    assert HOSTILE not in text
    assert text.count("&lt;img src=x onerror=") >= 2

    workspace_page = client.get(f"/console/workspaces/{workspace.id}").text
    assert f'href="/console/workspaces/{workspace.id}/broken-targets"' in workspace_page
    assert client.get(f"/console/workspaces/{other_workspace.id}/broken-targets").status_code == 404
    assert client.get("/console/workspaces/0/broken-targets").status_code == 404


def test_the_report_speaks_japanese_and_says_when_nothing_broke(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    sign_in(client, "owner@example.com")
    path = f"/console/workspaces/{workspace.id}/broken-targets"
    empty = client.get(path, headers={"Accept-Language": "ja,en;q=0.5"})
    assert "過去7日間に見つからなかったターゲットはありません。" in empty.text
    assert "No missing targets in the last 7 days." in client.get(path).text
    _seed(client, workspace)
    japanese = client.get(path, headers={"Accept-Language": "ja"}).text
    assert "保存しましょう" in japanese and "2件: 1件である必要があります" in japanese


def test_signed_out_visitors_are_sent_to_sign_in(
    client: TestClient, workspace: WorkspaceKeys
) -> None:
    answer = client.get(
        f"/console/workspaces/{workspace.id}/broken-targets", follow_redirects=False
    )
    assert answer.status_code in (302, 303)
    assert "/console/login" in answer.headers["location"]
