"""What the builder's Chromium tests share (test_builder.py, test_builder_layout.py): the live
database, an editor, a tour to build, edit grants minted as the console mints them, and the
builder's panel and kept state in the page."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from shirube.services.admins import Admin, create_admin
from shirube.services.builder import new_grant
from shirube.services.workspaces import workspace_by_id
from shirube.storage import Database

from tests.conftest import SECRET
from tests.widget.servers import HostPages, LiveShirube

PASSWORD = "correct horse battery staple"


@pytest.fixture
def live_db(shirube: LiveShirube) -> Iterator[Database]:
    db = Database(f"sqlite:///{shirube.database_path}")
    yield db
    db.dispose()


@pytest.fixture
def editor(live_db: Database, shirube: LiveShirube) -> tuple[str, Admin]:
    email = f"editor-{uuid.uuid4().hex[:8]}@example.com"
    admin = live_db.run_sync(
        lambda conn: create_admin(conn, email, PASSWORD, {shirube.workspace_id: "editor"})
    )
    return email, admin


@pytest.fixture
def tour_key(shirube: LiveShirube) -> str:
    key = f"built-{uuid.uuid4().hex[:8]}"
    doc = {
        "key": key,
        "name": "Built in the app",
        "trigger": {"type": "manual"},
        "steps": [{"id": "hello", "kind": "modal", "title": {"en": "Hello", "ja": "ようこそ"}}],
    }
    shirube.post(f"/api/v1/tours/{key}", doc, method="PUT")
    return key


def get_json(shirube: LiveShirube, path: str) -> Any:
    request = urllib.request.Request(
        shirube.base_url + path, headers={"Authorization": f"Bearer {shirube.secret_key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def edit_grant(
    live_db: Database,
    shirube: LiveShirube,
    host: HostPages,
    admin: Admin,
    key: str,
    workspace_id: int | None = None,
    **kw: Any,
) -> str:
    """A grant as the console mints one (for the test server's workspace unless told)."""

    def mint(conn: Any) -> str:
        ws = workspace_by_id(conn, workspace_id or shirube.workspace_id)
        assert ws is not None
        return new_grant(conn, SECRET, admin, ws, key, host.origin, **kw)

    grant: str = live_db.run_sync(mint)
    return grant


def panel_of(page: Page) -> Locator:
    return page.locator('section[data-shirube-builder=""]')


def open_builder(page: Page, url: str, grant: str) -> Locator:
    """The builder's panel on the host page `url`, opened with `grant` as the console's
    "Open in my app" does (the grant in the fragment)."""
    page.goto(url + "#shirube-edit=" + grant)
    return panel_of(page)


def kept_state(page: Page, public_key: str, tour: str) -> Any:
    """The unsaved builder state kept in the tab for that workspace's tour."""
    return json.loads(
        page.evaluate("k => sessionStorage.getItem(k)", f"shirube:builder:{public_key}:{tour}")
    )


def add_and_pick(page: Page, selector: str, en: str, ja: str) -> None:
    panel = panel_of(page)
    panel.locator("[data-action=add-tooltip]").click()
    expect(panel.locator("[data-action=pick]")).to_have_attribute("aria-pressed", "true")
    page.locator(selector).click()
    expect(panel.locator("[data-part=matches]")).to_have_text("Matches 1 element on this page")
    panel.locator("input[name=title-en]").fill(en)
    panel.locator("input[name=title-ja]").fill(ja)
    panel.locator("textarea[name=body-en]").fill(en + ": body")
