"""Make Shirube ready for the demo: migrations, the demo workspace, its content, a console admin.

The keys are kept in a local file (development only) so that the next run reuses the same
workspace, console login and session secret instead of printing new ones every time.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shirube.migrate import upgrade
from shirube.security.passwords import new_password
from shirube.services.admins import admin_by_email, create_admin, grant, set_password
from shirube.services.transfer import import_document
from shirube.services.workspaces import (
    Workspace,
    create_workspace,
    update_workspace,
    workspace_by_public_key,
    workspace_by_secret_key,
)
from shirube.settings import Settings
from shirube.storage import Connection, Database

CONTENT = Path(__file__).parent / "content.json"
# The demo's goals ("onboarding complete" for admins and for employees), kept apart from the
# tours and checklists: they join the content document only where Shirube accepts them.
GOALS = Path(__file__).parent / "goals.json"
log = logging.getLogger("demo_app.provision")
WORKSPACE_NAME = "Kintai Cloud (demo)"
CONSOLE_ADMIN_EMAIL = "demo-admin@kintai.example"
# `enforce`: the demo signs every user with the SDK, so Shirube can refuse unsigned sessions;
# nobody can open a widget session as another user or claim another company's progress.
IDENTITY_MODE = "enforce"
# The widget in Kintai Cloud's own colour (demo_app/static/kintai.css `--brand`).
THEME = {"brand_color": "#0b6e4f"}


@dataclass(frozen=True)
class DemoKeys:
    workspace_id: int
    public_key: str
    secret_key: str
    identity_secret: str
    admin_email: str
    admin_password: str
    session_secret: str


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, keys: DemoKeys) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the mode above applies only to a file created now
    with os.fdopen(fd, "w") as handle:
        json.dump(keys.__dict__, handle, indent=2)


def _workspace(conn: Connection, saved: dict[str, Any], origins: list[str]) -> Workspace:
    """The saved workspace if its keys still open it, otherwise a new one (secret key in
    `saved`). Its origins and identity mode are set on every run: ports may have changed."""
    found = workspace_by_public_key(conn, str(saved.get("public_key", "")))
    if found is None or workspace_by_secret_key(conn, str(saved.get("secret_key", ""))) != found:
        created = create_workspace(conn, WORKSPACE_NAME, origins, default_locale="ja")
        saved["secret_key"] = created.secret_key
        found = created.workspace
    settings = {"allowed_origins": origins, "identity_mode": IDENTITY_MODE, "theme": THEME}
    return update_workspace(conn, found.id, settings)


def _console_admin(conn: Connection, workspace_id: int, saved: dict[str, Any]) -> str:
    """The console admin's password: the saved one, or a new one when it was never printed
    (a fresh database, or a keys file deleted while the database was kept)."""
    admin = admin_by_email(conn, CONSOLE_ADMIN_EMAIL)
    password = str(saved.get("admin_password", ""))
    if admin is None:
        password = new_password()
        admin = create_admin(conn, CONSOLE_ADMIN_EMAIL, password)
    elif not password:
        password = new_password()
        set_password(conn, admin.id, password)
    grant(conn, admin.id, workspace_id, "owner")
    return password


def demo_document() -> dict[str, Any]:
    """content.json with the goals of goals.json, as one content document."""
    document: dict[str, Any] = json.loads(CONTENT.read_text(encoding="utf-8"))
    document["goals"] = json.loads(GOALS.read_text(encoding="utf-8"))["goals"]
    return document


def provision(settings: Settings, origins: list[str], keys_path: Path) -> DemoKeys:
    """Apply migrations; create or reuse the workspace; import and publish the content."""
    document = demo_document()
    saved = _read(keys_path)
    database = Database(settings.database_url)
    try:
        upgrade(database.engine)

        def work(conn: Connection) -> DemoKeys:
            workspace = _workspace(conn, saved, origins)
            import_document(conn, workspace.id, document, publish=True)
            return DemoKeys(
                workspace_id=workspace.id,
                public_key=workspace.public_key,
                secret_key=str(saved["secret_key"]),
                identity_secret=workspace.identity_secret,
                admin_email=CONSOLE_ADMIN_EMAIL,
                admin_password=_console_admin(conn, workspace.id, saved),
                session_secret=str(saved.get("session_secret") or secrets.token_urlsafe(32)),
            )

        keys = database.run_sync(work)
    finally:
        database.dispose()
    _write(keys_path, keys)
    return keys
