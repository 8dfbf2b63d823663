"""Creating workspaces and admins, and finding a workspace from a key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from shirube.models import Admin, Workspace, WorkspaceAdmin
from shirube.security.keys import (
    hash_secret_key,
    new_identity_secret,
    new_public_key,
    new_secret_key,
    secret_key_hint,
)
from shirube.security.passwords import hash_password
from shirube.services.content_lock import hold_exclusive
from shirube.services.counted_events import sync_counted_names
from shirube.services.sql import Raw


@dataclass(frozen=True)
class NewWorkspace:
    """A created workspace and the secrets that are shown this once and never again."""

    workspace: Workspace
    secret_key: str

    def as_json(self) -> dict[str, Any]:
        ws = self.workspace
        return {
            "id": ws.id,
            "name": ws.name,
            "public_key": ws.public_key,
            "secret_key": self.secret_key,
            "identity_secret": ws.identity_secret,
            "identity_mode": ws.identity_mode,
            "allowed_origins": ws.allowed_origins,
            "default_locale": ws.default_locale,
        }


def create_workspace(
    session: Session,
    name: str,
    origins: list[str],
    *,
    default_locale: str = "en",
    identity_mode: str = "off",
) -> NewWorkspace:
    secret_key = new_secret_key()
    workspace = Workspace(
        name=name,
        public_key=new_public_key(),
        secret_key_hash=hash_secret_key(secret_key),
        secret_key_hint=secret_key_hint(secret_key),
        identity_secret=new_identity_secret(),
        identity_mode=identity_mode,
        allowed_origins=origins,
        default_locale=default_locale,
    )
    session.add(workspace)
    session.flush()
    return NewWorkspace(workspace, secret_key)


# Built once: every request looks a workspace up by one of its keys.
_BY_PUBLIC_KEY = select(Workspace).where(col(Workspace.public_key) == bindparam("key"))
_BY_SECRET_HASH = select(Workspace).where(col(Workspace.secret_key_hash) == bindparam("key"))


def workspace_by_public_key(session: Session, public_key: str) -> Workspace | None:
    return session.exec(_BY_PUBLIC_KEY, params={"key": public_key}).first()


def workspace_by_secret_key(session: Session, secret_key: str) -> Workspace | None:
    return session.exec(_BY_SECRET_HASH, params={"key": hash_secret_key(secret_key)}).first()


def bump_content_revision(session: Session, workspace_id: int) -> None:
    """After any change to published content: a new revision, and the event names its rules
    count from now on (after the bump: see services/counted_events.py)."""
    raw = Raw.of_session(session)
    hold_exclusive(raw, workspace_id)
    session.execute(
        update(Workspace)
        .where(col(Workspace.id) == workspace_id)
        .values(content_revision=col(Workspace.content_revision) + 1)
    )
    sync_counted_names(raw, workspace_id)


def create_admin(
    session: Session, email: str, password: str, workspace_roles: dict[int, str] | None = None
) -> Admin:
    admin = Admin(email=email.strip().lower(), password_hash=hash_password(password))
    session.add(admin)
    session.flush()
    assert admin.id is not None
    for workspace_id, role in (workspace_roles or {}).items():
        session.add(WorkspaceAdmin(workspace_id=workspace_id, admin_id=admin.id, role=role))
    return admin
