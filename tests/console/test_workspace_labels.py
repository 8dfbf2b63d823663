"""The workspace list and overview speak the admin's language (#14), like the other console
pages: headings and links from console/workspace_labels.py, ja and en."""

from __future__ import annotations

import re

from shirube.console.workspace_labels import WORKSPACE
from shirube.services.workspace_settings import IDENTITY_MODES
from shirube.storage import Database
from starlette.testclient import TestClient

from tests.api.helpers import put_draft, tour_doc
from tests.conftest import WorkspaceKeys
from tests.console.conftest import make_admin, sign_in

JA = {"Accept-Language": "ja,en;q=0.5"}


def test_labels_have_the_same_keys_and_the_same_identity_modes() -> None:
    assert WORKSPACE["ja"].keys() == WORKSPACE["en"].keys()
    for mode, text in IDENTITY_MODES.items():
        assert WORKSPACE["en"][f"identity_{mode}"] == text
        assert WORKSPACE["ja"][f"identity_{mode}"]


def test_the_overview_speaks_japanese_with_accept_language_ja(
    client: TestClient, database: Database, workspace: WorkspaceKeys
) -> None:
    put_draft(client, workspace, "tour", tour_doc())
    make_admin(database, "owner@example.com", {workspace.id: "owner"})
    assert sign_in(client, "owner@example.com").status_code == 303
    ja = client.get(f"/console/workspaces/{workspace.id}", headers=JA)
    assert ja.status_code == 200
    headings = re.findall(r"<h[23]>([^<]+)</h[23]>", ja.text)
    assert headings[:1] == ["設定"] and {"コンテンツ", "ツアー", "オンボーディング"} <= set(
        headings
    )
    for key in ("edit_tours", "edit_checklists", "open_in_app", "not_published", "webhooks_link"):
        assert WORKSPACE["ja"][key] in ja.text, key
    for english in ("Setup", "Edit tours", "Open in my app", "not published", "None yet."):
        assert english not in ja.text, english
    en = client.get(f"/console/workspaces/{workspace.id}", headers={"Accept-Language": "en"})
    assert "<h2>Setup</h2>" in en.text and "Edit tours" in en.text
    home = client.get("/console/", headers=JA)
    assert "<h1>ワークスペース</h1>" in home.text and "あなたのロール" in home.text
