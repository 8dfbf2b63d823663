"""The audit log: who changed what in a workspace, and when.

Services record their own changes (content, settings, keys, webhook endpoints, admins and
roles), in the transaction that makes them, so every caller is covered: the server API, the
console, the CLI, imports. A caller names who acts with an `Actor`; the server API's secret
key is the default, since whoever holds it needs no other name.

Retention: entries are kept as long as their workspace (deleted with it). `prune` removes the
entries older than a date, for an operator who wants a limit (docs/console.md#audit-log).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from shirube.storage import Connection
from shirube.storage.tables import audit_entry
from shirube.timeutil import utcnow

SUBJECT_MAX = 2000
# Autosaves of one draft by one admin within this long make one entry, not one per keystroke:
# the entry keeps the draft as it was before the first save and as it is after the last.
COALESCE_DRAFTS = timedelta(minutes=10)
DRAFT_SAVED = "draft_saved"


@dataclass(frozen=True)
class Actor:
    """Who made a change: a console admin (id and email), or a name for the others."""

    name: str
    admin_id: int | None = None

    @classmethod
    def admin(cls, admin_id: int, email: str) -> Actor:
        return cls(email, admin_id)


API_KEY = Actor("api key")
CLI = Actor("cli")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    workspace_id: int
    at: datetime
    actor_admin_id: int | None
    actor: str
    action: str
    subject_kind: str
    subject: str
    before: Any
    after: Any
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    # The id to ask for the next (older) page with, None on the last page.
    older: int | None


_c = audit_entry.c
_COLUMNS = (
    _c.id,
    _c.workspace_id,
    _c.at,
    _c.actor_admin_id,
    _c.actor,
    _c.action,
    _c.subject_kind,
    _c.subject,
    _c.before,
    _c.after,
    _c.detail,
)
_INSERT = audit_entry.insert().values(
    workspace_id=bindparam("workspace_id"),
    at=bindparam("at"),
    actor_admin_id=bindparam("actor_admin_id"),
    actor=bindparam("actor"),
    action=bindparam("action"),
    subject_kind=bindparam("subject_kind"),
    subject=bindparam("subject"),
    before=bindparam("before"),
    after=bindparam("after"),
    detail=bindparam("detail"),
)
_NEWEST = (
    select(*_COLUMNS)
    .where(_c.workspace_id == bindparam("workspace_id"))
    .order_by(_c.id.desc())
    .limit(1)
)
_EXTEND = (
    update(audit_entry)
    .where(_c.id == bindparam("id"))
    .values(after=bindparam("after"), at=bindparam("at"))
)
_PAGE = (
    select(*_COLUMNS)
    .where(_c.workspace_id == bindparam("workspace_id"), _c.id < bindparam("before"))
    .order_by(_c.id.desc())
    .limit(bindparam("limit"))
)
# One subject's entries (a tour's history): the same index, the subject filtered on the way.
_SUBJECT_PAGE = _PAGE.where(
    _c.subject_kind == bindparam("subject_kind"), _c.subject == bindparam("subject")
)
_PRUNE = delete(audit_entry).where(_c.at < bindparam("before"))


def record(
    conn: Connection,
    workspace_id: int,
    action: str,
    subject_kind: str,
    subject: str,
    *,
    actor: Actor = API_KEY,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.run(
        _INSERT,
        {
            "workspace_id": workspace_id,
            "at": utcnow(),
            "actor_admin_id": actor.admin_id,
            "actor": actor.name[:320],
            "action": action,
            "subject_kind": subject_kind,
            "subject": subject[:SUBJECT_MAX],
            "before": before,
            "after": after,
            "detail": detail,
        },
    )


def record_draft(
    conn: Connection,
    workspace_id: int,
    kind: str,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    *,
    actor: Actor = API_KEY,
) -> None:
    """A draft saved (or created, when `before` is None). A save that changes nothing is not
    recorded; one following the workspace's last entry, a save of the same draft by the same
    actor in the last minutes, extends it."""
    if before == after:
        return
    now = utcnow()
    row = conn.one(_NEWEST, {"workspace_id": workspace_id})
    if row is not None:
        last = AuditEntry(*row)
        if (
            last.action == DRAFT_SAVED
            and (last.subject_kind, last.subject) == (kind, key)
            and (last.actor_admin_id, last.actor) == (actor.admin_id, actor.name)
            and now - last.at <= COALESCE_DRAFTS
        ):
            conn.run(_EXTEND, {"id": last.id, "after": after, "at": now})
            return
    action = DRAFT_SAVED if before is not None else "created"
    record(conn, workspace_id, action, kind, key, actor=actor, before=before, after=after)


def entries(
    conn: Connection,
    workspace_id: int,
    *,
    limit: int = 50,
    before: int | None = None,
    subject: tuple[str, str] | None = None,
) -> AuditPage:
    """A page of the workspace's entries, newest first, older than entry `before`; only those
    of `subject` (kind, key) when given."""
    params: dict[str, Any] = {
        "workspace_id": workspace_id,
        "before": before or 2**31 - 1,
        "limit": limit + 1,
    }
    if subject is not None:
        params.update(subject_kind=subject[0], subject=subject[1][:SUBJECT_MAX])
    rows = conn.all(_PAGE if subject is None else _SUBJECT_PAGE, params)
    found = [AuditEntry(*row) for row in rows[:limit]]
    older = found[-1].id if len(rows) > limit else None
    return AuditPage(found, older)


def prune(conn: Connection, before: datetime) -> int:
    """Delete every workspace's entries older than `before`; how many went."""
    return conn.run(_PRUNE, {"before": before})
