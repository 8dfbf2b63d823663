"""Who may manage a workspace: its owners invite admins, change their roles and remove them.
A workspace always keeps at least one owner. Every change is in the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, select, update

from shirube.errors import Conflict, FieldError, NotFound, ValidationFailed
from shirube.services import audit
from shirube.services.admins import (
    Admin,
    admin_by_email,
    admin_by_id,
    create_admin_if_new,
    grant,
)
from shirube.services.admins import normalized_email as normalized
from shirube.services.audit import Actor
from shirube.storage import Connection
from shirube.storage.tables import ADMIN_ROLES, admin, workspace, workspace_admin

EMAIL_MAX = 320
ROLES = ADMIN_ROLES


class PasswordPending(Conflict):
    """The admin still has the password an invitation gave them (admin.password_pending)."""


@dataclass(frozen=True)
class Member:
    admin_id: int
    email: str
    role: str
    # Still signs in with the password an invitation gave them (admin.password_pending).
    password_pending: bool


@dataclass(frozen=True)
class Invited:
    admin: Admin
    role: str
    # Shown once to the owner who invited a new admin; None when the admin existed already.
    password: str | None


_wa = workspace_admin.c
_MEMBERS = (
    select(admin.c.id, admin.c.email, _wa.role, admin.c.password_pending)
    .join(workspace_admin, _wa.admin_id == admin.c.id)
    .where(_wa.workspace_id == bindparam("workspace_id"))
    .order_by(admin.c.email)
)
_ROLE = select(_wa.role).where(
    _wa.workspace_id == bindparam("workspace_id"), _wa.admin_id == bindparam("admin_id")
)
_OWNERS = select(func.count()).where(
    _wa.workspace_id == bindparam("workspace_id"), _wa.role == "owner"
)
_SET_ROLE = (
    update(workspace_admin)
    .where(_wa.workspace_id == bindparam("workspace_id"), _wa.admin_id == bindparam("admin_id"))
    .values(role=bindparam("role"))
)
_REMOVE = delete(workspace_admin).where(
    _wa.workspace_id == bindparam("workspace_id"), _wa.admin_id == bindparam("admin_id")
)
# Two owners demoting each other at once must not leave none: changes of roles in a workspace
# take its row in turn (PostgreSQL; SQLite has one writer at a time anyway).
_LOCK = select(workspace.c.id).where(workspace.c.id == bindparam("workspace_id")).with_for_update()


def members(conn: Connection, workspace_id: int) -> list[Member]:
    return [Member(*row) for row in conn.all(_MEMBERS, {"workspace_id": workspace_id})]


def checked_role(role: str) -> str:
    if role not in ADMIN_ROLES:
        raise ValidationFailed([FieldError("role", f"must be one of {', '.join(ADMIN_ROLES)}")])
    return role


def checked_email(email: str) -> str:
    value = normalized(email)
    local, at, domain = value.partition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(value) > EMAIL_MAX
        or any(ch.isspace() or ord(ch) < 32 or ch in "<>\"'" for ch in value)
    ):
        raise ValidationFailed([FieldError("email", "must be an email address")])
    return value


def invite(conn: Connection, workspace_id: int, email: str, role: str, *, actor: Actor) -> Invited:
    """A role for the admin with this email, made with a generated password if there is no
    such admin yet."""
    address, role = checked_email(email), checked_role(role)
    conn.run(_LOCK, {"workspace_id": workspace_id})
    found = admin_by_email(conn, address)
    if found is None:
        password = secrets.token_urlsafe(12)
        created = create_admin_if_new(
            conn, address, password, {workspace_id: role}, actor=actor, password_pending=True
        )
        if created is not None:
            return Invited(created, role, password)
        # Another workspace's invite made this admin since we looked (it has no role here).
        found = admin_by_email(conn, address)
        if found is None:
            raise Conflict(f"{address} was just removed; invite again")
    if conn.scalar(_ROLE, {"workspace_id": workspace_id, "admin_id": found.id}) is not None:
        raise Conflict(
            f"{address} already has a role in this workspace; change it in the list",
            [FieldError("email", "already has a role here")],
        )
    if found.password_pending:
        # Its password is still the one another workspace's owner was shown: a role here would
        # let that owner sign in as this admin and read this workspace.
        raise PasswordPending(
            f"{address} has not chosen their own password yet; ask them to sign in first",
            [FieldError("email", "has not chosen their own password yet")],
        )
    grant(conn, found.id, workspace_id, role, actor=actor)
    return Invited(found, role, None)


def _current(conn: Connection, workspace_id: int, admin_id: int) -> tuple[Admin, str]:
    conn.run(_LOCK, {"workspace_id": workspace_id})
    role = conn.scalar(_ROLE, {"workspace_id": workspace_id, "admin_id": admin_id})
    found = admin_by_id(conn, admin_id) if role is not None else None
    if found is None or role is None:
        raise NotFound("admin")
    return found, str(role)


def _keep_an_owner(conn: Connection, workspace_id: int, role: str) -> None:
    if role == "owner" and conn.scalar(_OWNERS, {"workspace_id": workspace_id}) <= 1:
        raise Conflict(
            "a workspace needs at least one owner: make another admin owner first",
            [FieldError("role", "the last owner")],
        )


def set_role(
    conn: Connection, workspace_id: int, admin_id: int, role: str, *, actor: Actor
) -> None:
    role = checked_role(role)
    found, before = _current(conn, workspace_id, admin_id)
    if before == role:
        return
    _keep_an_owner(conn, workspace_id, before)
    conn.run(_SET_ROLE, {"workspace_id": workspace_id, "admin_id": admin_id, "role": role})
    audit.record(
        conn,
        workspace_id,
        "role_changed",
        "admin",
        found.email,
        actor=actor,
        before={"role": before},
        after={"role": role},
    )


def remove(conn: Connection, workspace_id: int, admin_id: int, *, actor: Actor) -> None:
    """The admin's role in this workspace (the account stays, with its other workspaces)."""
    found, before = _current(conn, workspace_id, admin_id)
    _keep_an_owner(conn, workspace_id, before)
    conn.run(_REMOVE, {"workspace_id": workspace_id, "admin_id": admin_id})
    audit.record(
        conn,
        workspace_id,
        "admin_removed",
        "admin",
        found.email,
        actor=actor,
        before={"role": before},
    )
