"""An admin choosing their own password: the rules a new one follows, and the change itself,
which ends the admin's other sessions and edit grants (both fingerprint the password hash),
clears `password_pending` and is recorded in the audit log of each of the admin's workspaces."""

from __future__ import annotations

from sqlalchemy import bindparam, update

from shirube.errors import Conflict, FieldError, ValidationFailed
from shirube.security.passwords import MAX_LENGTH, MIN_LENGTH
from shirube.services import audit
from shirube.services.admins import Admin, admin_by_id, admin_workspaces
from shirube.services.audit import Actor
from shirube.storage import Connection
from shirube.storage.tables import admin

PASSWORD_CHANGED = "password_changed"

# Only from the hash the caller checked the current password against: of two changes sent at
# once with the same current password, the second finds nothing to change.
_CHANGE = (
    update(admin)
    .where(admin.c.id == bindparam("id"), admin.c.password_hash == bindparam("before"))
    .values(password_hash=bindparam("after"), password_pending=False)
)


# Why a new password is refused: the field it concerns and a stable code the console words in
# the admin's language; the English wording for other callers.
PROBLEMS = {
    "too_short": ("new_password", f"must be at least {MIN_LENGTH} characters long"),
    "too_long": ("new_password", f"must be at most {MAX_LENGTH} characters long"),
    "same": ("new_password", "must differ from the current password"),
    "mismatch": ("new_password_again", "does not match the new password"),
}


def problem(current: str, new: str, again: str) -> str | None:
    """Why the new password cannot be one (a key of PROBLEMS), or None. The current one is
    checked by the caller, against the stored hash."""
    if len(new) < MIN_LENGTH:
        return "too_short"
    if len(new) > MAX_LENGTH:
        return "too_long"
    if new == current:
        return "same"
    if new != again:
        return "mismatch"
    return None


def checked_new_password(current: str, new: str, again: str) -> str:
    found = problem(current, new, again)
    if found is not None:
        raise ValidationFailed([FieldError(*PROBLEMS[found])])
    return new


def change(conn: Connection, signed_in: Admin, new_hash: str) -> Admin:
    """The admin with `new_hash` as password hash, no longer pending. `signed_in` is the admin
    as read when the current password was checked."""
    changed = conn.run(
        _CHANGE, {"id": signed_in.id, "before": signed_in.password_hash, "after": new_hash}
    )
    after = admin_by_id(conn, signed_in.id) if changed else None
    if after is None:
        raise Conflict(
            "the password was changed meanwhile; sign in again",
            [FieldError("current_password", "changed meanwhile")],
        )
    actor = Actor.admin(signed_in.id, signed_in.email)
    # Every workspace the admin has a role in sees that the account's password is now the
    # admin's own (the owner who invited it can no longer sign in as it). Never the password.
    detail = {"was_pending": signed_in.password_pending}
    for role in admin_workspaces(conn, signed_in.id):
        audit.record(
            conn,
            role.workspace.id,
            PASSWORD_CHANGED,
            "admin",
            signed_in.email,
            actor=actor,
            detail=detail,
        )
    return after
