"""The visual builder's side of content: minting an edit grant for an editor, and reading and
saving one tour's draft with it (security/edit_grants.py says what a grant binds).

A grant is checked against the database on every use, not only when it was minted: the admin
must still exist with the same password and session epoch (signing out revokes it), still be
an editor or owner of the workspace, and the origin must still be allowed there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shirube.errors import NotAllowed, NotAuthenticated
from shirube.security.edit_grants import (
    EditGrant,
    GrantRefused,
    admin_fingerprint,
    mint_grant,
    read_grant,
)
from shirube.services import content_store as store
from shirube.services.admins import Admin, admin_by_id, workspace_role
from shirube.services.audit import Actor
from shirube.services.workspaces import Workspace, workspace_by_public_key
from shirube.storage import Connection

EDIT_ROLES = ("owner", "editor")


class WrongOrigin(NotAllowed):
    """A grant used from another origin than its own (`origin`: the grant's, which the API
    answers its CORS header for, so that the other origin's page cannot read the answer)."""

    def __init__(self, origin: str, sent: str) -> None:
        super().__init__("grant_wrong_origin", f"the edit grant is for {origin}, not {sent}")
        self.origin = origin


@dataclass(frozen=True)
class GrantCheck:
    """What a builder call presents: its grant, the workspace's public key, the tour key of
    the draft it saves (None when it only reads) and the request's Origin."""

    grant: str
    public_key: str
    tour: str | None
    origin: str | None


def new_grant(
    conn: Connection,
    secret_key: str,
    admin: Admin,
    workspace: Workspace,
    tour: str,
    origin: str,
    *,
    now: float | None = None,
) -> str:
    """A grant for an editor of `workspace` to build `tour` on `origin` (the caller checked
    the role and that the origin is allowed); NotFound when the tour does not exist."""
    store.get(conn, workspace.id, "tour", tour)
    return mint_grant(
        secret_key,
        workspace_id=workspace.id,
        admin_id=admin.id,
        tour=tour,
        origin=origin,
        fingerprint=admin_fingerprint(secret_key, admin.password_hash, admin.session_epoch),
        now=now,
    )


def check_grant(
    conn: Connection, secret_key: str, check: GrantCheck, *, now: float | None = None
) -> EditGrant:
    try:
        grant = read_grant(secret_key, check.grant, now=now)
    except GrantRefused as refused:
        raise NotAuthenticated(refused.code, refused.message) from None
    # The origin first: every later refusal is read only by the grant's own origin.
    origin = (check.origin or "").rstrip("/")
    if origin != grant.origin:
        raise WrongOrigin(grant.origin, origin or "no origin")
    workspace = workspace_by_public_key(conn, check.public_key)
    if workspace is None or workspace.id != grant.workspace_id:
        raise NotAllowed("grant_wrong_workspace", "the edit grant is for another workspace")
    if check.tour is not None and check.tour != grant.tour:
        raise NotAllowed("grant_wrong_tour", f"the edit grant is for tour {grant.tour!r}")
    if origin not in workspace.allowed_origins:
        raise NotAllowed(
            "origin_not_allowed", f"origin {origin} is no longer among the allowed origins"
        )
    admin = admin_by_id(conn, grant.admin_id)
    if admin is None:
        raise NotAuthenticated("grant_revoked", "the edit grant was revoked")
    if admin_fingerprint(secret_key, admin.password_hash, admin.session_epoch) != grant.fingerprint:
        raise NotAuthenticated(
            "grant_revoked", "the edit grant was revoked (the admin signed out since)"
        )
    access = workspace_role(conn, admin.id, workspace.id)
    if access is None or access.role not in EDIT_ROLES:
        raise NotAuthenticated("grant_revoked", "the admin may no longer edit this workspace")
    return grant


def read_draft(conn: Connection, grant: EditGrant) -> dict[str, Any]:
    return store.describe(conn, store.get(conn, grant.workspace_id, "tour", grant.tour))


def save_draft(
    conn: Connection, grant: EditGrant, draft: Any, expected_revision: int
) -> dict[str, Any]:
    """The tour's new draft, validated as the server API validates it (errors by path), saved
    only over `expected_revision`, the draft revision the builder read (StaleDraft, 409,
    otherwise: another save since is never overwritten silently). The audit log names the
    grant's admin. The tour must exist: a grant is minted for an existing tour, and a deleted
    one stays deleted."""
    store.get(conn, grant.workspace_id, "tour", grant.tour)
    admin = admin_by_id(conn, grant.admin_id)
    if admin is None:  # check_grant, in this transaction, found it
        raise NotAuthenticated("grant_revoked", "the edit grant was revoked")
    # In the admin's name in the audit log, not the server API key's.
    actor = Actor.admin(admin.id, admin.email)
    saved = store.save_draft(
        conn,
        grant.workspace_id,
        "tour",
        draft,
        key=grant.tour,
        actor=actor,
        expected_revision=expected_revision,
    )
    return store.describe(conn, saved.item)
