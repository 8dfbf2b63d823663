"""The workspace page's content rows, read without decoding whole documents
(services/overview.py): names from the published version else the draft, in the workspace's
locale; "unpublished changes" exactly when the draft differs from the live version, after a
rollback too; the objectives in the dashboard's order."""

from __future__ import annotations

from shirube.services.admins import workspace_role
from shirube.services.overview import ContentRow, load_overview
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.api.helpers import checklist_doc, event_item, publish, put_draft, tour_doc
from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin


def _rows(
    database: Database, ws: WorkspaceKeys, admin_id: int
) -> tuple[list[ContentRow], list[str]]:

    def work(conn: object) -> tuple[list[ContentRow], list[str]]:
        access = workspace_role(conn, admin_id, ws.id)  # type: ignore[arg-type]
        assert access is not None
        overview = load_overview(conn, access)  # type: ignore[arg-type]
        objectives = [f"{o.kind}:{o.key}:{o.name}:v{o.version}" for o in overview.objectives]
        return [*overview.goals, *overview.checklists, *overview.tours], objectives

    return database.run_sync(work)


def test_names_changes_and_objectives(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    auth = workspace.auth
    publish(client, workspace, "tour", tour_doc("welcome", name="Welcome"))
    put_draft(client, workspace, "tour", tour_doc("welcome", name="Welcome again"))
    title = {"en": "Setup", "ja": "初期設定"}
    publish(
        client, workspace, "checklist", checklist_doc("setup", [event_item("a", "x")], title=title)
    )
    put_draft(client, workspace, "checklist", checklist_doc("draft-only", [event_item("b", "y")]))
    goal = {
        "key": "g",
        "name": {"ja": "ゴール"},
        "rules": [{"id": "a", "rule": {"type": "event", "event": "x"}}],
    }
    publish(client, workspace, "goal", goal)
    # Back to version 1 of a tour whose draft is version 2's: the draft differs again.
    publish(client, workspace, "tour", tour_doc("two", steps=("a",)))
    publish(client, workspace, "tour", tour_doc("two", steps=("a", "b")))
    assert (
        client.post("/api/v1/tours/two/rollback", json={"version": 1}, headers=auth).status_code
        == 200
    )
    admin_id = make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    rows, objectives = _rows(database, workspace, admin_id)
    found = {r.key: (r.name, r.published_version, r.unpublished_changes) for r in rows}
    assert found == {
        "g": ("ゴール", 1, False),
        "draft-only": ("Checklist draft-only", None, True),
        "setup": ("Setup", 1, False),
        "two": ("Tour two", 3, True),
        # The published name, while the draft's is not live.
        "welcome": ("Welcome", 1, True),
    }
    assert objectives == [
        "goal:g:ゴール:v1",
        "checklist:setup:Setup:v1",
        "tour:two:Tour two:v3",
        "tour:welcome:Welcome:v1",
    ]
    # Back to the live document: no unpublished change any more.
    put_draft(client, workspace, "tour", tour_doc("two", steps=("a",)))
    put_draft(client, workspace, "tour", tour_doc("welcome", name="Welcome"))
    rows, _ = _rows(database, workspace, admin_id)
    assert {r.key: r.unpublished_changes for r in rows if r.kind == "tour"} == {
        "two": False,
        "welcome": False,
    }
