"""Live servers for the widget browser tests: one Shirube server (uvicorn thread, temp SQLite
copied from the migrated template, one workspace, the content of `content.py` imported through
the import service) and one host-page server on another port, i.e. another origin. Both live
for the whole session; every test gets a user id of its own, so tests never share progress."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from shirube.api.transfer import import_document
from shirube.app import create_app
from shirube.services.workspaces import create_workspace
from shirube.settings import Settings
from shirube.storage import Database

from tests.conftest import IN_CI, SECRET
from tests.widget import content
from tests.widget.servers import HostPages, LiveShirube, ThreadedUvicorn

BUNDLE = Path(__file__).resolve().parents[2] / "server/shirube/static/widget/shirube.js"

expect.set_options(timeout=10_000)


@dataclass(frozen=True)
class Live:
    shirube: LiveShirube
    host: HostPages


@pytest.fixture(scope="session")
def live(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    if not BUNDLE.is_file():
        # The built bundle is committed: missing, it is a broken tree in CI, a fresh one here.
        message = f"the widget bundle is not built ({BUNDLE}): npm run build --prefix widget"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path_factory.mktemp("widget") / "shirube.db"
    path.write_bytes(sqlite_template.read_bytes())
    database = Database(f"sqlite:///{path}")
    host = HostPages()

    def setup(session: Any) -> tuple[int, dict[str, Any]]:
        keys = create_workspace(session, "Widget tests", [host.origin]).as_json()
        import_document(session, keys["id"], content.document(), publish=True)
        return keys["id"], keys

    workspace_id, keys = database.run_sync(setup)
    server = ThreadedUvicorn(
        create_app(Settings(database_url=database.url, secret_key=SECRET, env="test"), database)
    )
    server.start()
    host.shirube_url = server.base_url
    host.public_key = keys["public_key"]
    host.start()
    try:
        shirube = LiveShirube(
            server.base_url, keys["public_key"], keys["secret_key"], path, workspace_id
        )
        shirube.post("/api/v1/workspace", {"theme": content.THEME}, method="PATCH")
        yield Live(shirube, host)
    finally:
        host.stop()
        server.stop()
        database.dispose()


@pytest.fixture
def shirube(live: Live) -> LiveShirube:
    return live.shirube


@pytest.fixture
def host(live: Live) -> HostPages:
    return live.host


@pytest.fixture
def user_id(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def page_errors(page: Page) -> Iterator[list[str]]:
    """Uncaught exceptions in the page fail the test: the widget must never throw into the host.
    (Also shortens the page's action timeout: a button the widget put out of reach fails the
    test in 10 s, not Playwright's default 30 s.)"""
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"{error.name}: {error.message}"))
    yield errors
    assert errors == [], f"uncaught errors in the page: {errors}"
