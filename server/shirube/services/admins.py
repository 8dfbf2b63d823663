"""Console admins: accounts, which workspaces each may see and with which role, and the
session epoch that signing out moves on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update

from shirube.security.passwords import hash_password
from shirube.services import audit
from shirube.services.audit import CLI, Actor
from shirube.services.workspaces import WORKSPACE_COLUMNS, Workspace, workspace_of
from shirube.storage import Connection, insert
from shirube.storage.tables import admin, workspace, workspace_admin
from shirube.timeutil import utcnow


@dataclass(frozen=True)
class Admin:
    id: int
    email: str
    password_hash: str
    created_at: datetime
    # Part of every console session's fingerprint (console/sessions.py).
    session_epoch: int
    # Made by an invitation and its password not chosen yet: the inviter knows it.
    password_pending: bool


@dataclass(frozen=True)
class WorkspaceRole:
    workspace: Workspace
    role: str


_ADMIN_COLUMNS = (
    admin.c.id,
    admin.c.email,
    admin.c.password_hash,
    admin.c.created_at,
    admin.c.session_epoch,
    admin.c.password_pending,
)
_CREATE = (
    admin.insert()
    .values(
        email=bindparam("email"),
        password_hash=bindparam("password_hash"),
        created_at=bindparam("created_at"),
        session_epoch=0,
        password_pending=bindparam("password_pending"),
    )
    .returning(*_ADMIN_COLUMNS)
)
# Two owners inviting the same new email at once, each in their own workspace, do not wait for
# each other's workspace lock: the second insert waits for the first's commit and then makes
# nothing (workspace_admins.invite uses the admin the first made) instead of failing.
_CREATE_IF_NEW = (
    insert(admin)
    .values(
        email=bindparam("email"),
        password_hash=bindparam("password_hash"),
        created_at=bindparam("created_at"),
        session_epoch=0,
        password_pending=bindparam("password_pending"),
    )
    .on_conflict_do_nothing(index_elements=[admin.c.email])
    .returning(*_ADMIN_COLUMNS)
)
_GRANT = workspace_admin.insert().values(
    workspace_id=bindparam("workspace_id"), admin_id=bindparam("admin_id"), role=bindparam("role")
)
_GRANT_IF_NEW = (
    insert(workspace_admin)
    .values(
        workspace_id=bindparam("workspace_id"),
        admin_id=bindparam("admin_id"),
        role=bindparam("role"),
    )
    .on_conflict_do_nothing()
)
_SET_PASSWORD = (
    update(admin).where(admin.c.id == bindparam("id")).values(password_hash=bindparam("hash"))
)
_BY_ID = select(*_ADMIN_COLUMNS).where(admin.c.id == bindparam("id"))
_BY_EMAIL = select(*_ADMIN_COLUMNS).where(admin.c.email == bindparam("email"))
_END_SESSIONS = (
    update(admin)
    .where(admin.c.id == bindparam("id"), admin.c.session_epoch == bindparam("epoch"))
    .values(session_epoch=admin.c.session_epoch + 1)
)


def normalized_email(email: str) -> str:
    return email.strip().lower()


def create_admin(
    conn: Connection,
    email: str,
    password: str,
    workspace_roles: dict[int, str] | None = None,
    *,
    actor: Actor = CLI,
) -> Admin:
    created = Admin(*conn.one(_CREATE, _new_admin(email, password)))
    _grant_new(conn, created, workspace_roles, actor)
    return created


def create_admin_if_new(
    conn: Connection,
    email: str,
    password: str,
    workspace_roles: dict[int, str] | None = None,
    *,
    actor: Actor = CLI,
    password_pending: bool = False,
) -> Admin | None:
    """As create_admin; None (and nothing made) when an admin has this email already, even
    one another transaction made after the caller looked. `password_pending` for an admin
    whose password someone else chose (an invitation's)."""
    rows = conn.all(_CREATE_IF_NEW, _new_admin(email, password, password_pending))
    if not rows:
        return None
    created = Admin(*rows[0])
    _grant_new(conn, created, workspace_roles, actor)
    return created


def _new_admin(email: str, password: str, pending: bool = False) -> dict[str, object]:
    return {
        "email": normalized_email(email),
        "password_hash": hash_password(password),
        "created_at": utcnow(),
        "password_pending": pending,
    }


def _grant_new(
    conn: Connection, created: Admin, workspace_roles: dict[int, str] | None, actor: Actor
) -> None:
    conn.many(
        _GRANT,
        [
            {"workspace_id": workspace_id, "admin_id": created.id, "role": role}
            for workspace_id, role in (workspace_roles or {}).items()
        ],
    )
    for workspace_id, role in (workspace_roles or {}).items():
        _record_grant(conn, workspace_id, created.email, role, actor)


def _record_grant(conn: Connection, workspace_id: int, email: str, role: str, actor: Actor) -> None:
    audit.record(
        conn, workspace_id, "admin_added", "admin", email, actor=actor, after={"role": role}
    )


def grant(
    conn: Connection, admin_id: int, workspace_id: int, role: str, *, actor: Actor = CLI
) -> None:
    """A role in the workspace, unless the admin has one there already."""
    params = {"workspace_id": workspace_id, "admin_id": admin_id, "role": role}
    found = admin_by_id(conn, admin_id)
    if conn.run(_GRANT_IF_NEW, params) and found is not None:
        _record_grant(conn, workspace_id, found.email, role, actor)


def set_password(conn: Connection, admin_id: int, password: str) -> None:
    """A new password (every console session of the admin ends with it: console/sessions.py)."""
    conn.run(_SET_PASSWORD, {"id": admin_id, "hash": hash_password(password)})


def admin_by_id(conn: Connection, admin_id: int) -> Admin | None:
    row = conn.one(_BY_ID, {"id": admin_id})
    return None if row is None else Admin(*row)


def admin_by_email(conn: Connection, email: str) -> Admin | None:
    row = conn.one(_BY_EMAIL, {"email": email})
    return None if row is None else Admin(*row)


def end_sessions(conn: Connection, signed_in: Admin) -> None:
    """Every console session of this admin ends, on every device (the cookie is kept by the
    browser, so clearing it cannot revoke a copy of it; moving the epoch on does). Only from
    the epoch the caller's session was made with: a second sign-out changes nothing."""
    conn.run(_END_SESSIONS, {"id": signed_in.id, "epoch": signed_in.session_epoch})


_ROLES = (
    select(*WORKSPACE_COLUMNS, workspace_admin.c.role)
    .join(workspace_admin, workspace_admin.c.workspace_id == workspace.c.id)
    .where(workspace_admin.c.admin_id == bindparam("admin_id"))
)
_ALL_ROLES = _ROLES.order_by(workspace.c.name, workspace.c.id)
_ONE_ROLE = _ROLES.where(workspace.c.id == bindparam("workspace_id"))


def _role(row: tuple[object, ...]) -> WorkspaceRole:
    return WorkspaceRole(workspace_of(row[:-1]), str(row[-1]))


def admin_workspaces(conn: Connection, admin_id: int) -> list[WorkspaceRole]:
    return [_role(row) for row in conn.all(_ALL_ROLES, {"admin_id": admin_id})]


def workspace_role(conn: Connection, admin_id: int, workspace_id: int) -> WorkspaceRole | None:
    """The workspace if the admin has a role in it; None for a workspace that does not exist
    and for one of someone else's alike, so the answer reveals nothing about other tenants."""
    row = conn.one(_ONE_ROLE, {"admin_id": admin_id, "workspace_id": workspace_id})
    return None if row is None else _role(row)
