"""Workspaces: creating them, finding one from a key, changing their settings, rotating the
identity secret, and moving the content revision on when published content changes."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update

from shirube.security.keys import (
    hash_secret_key,
    new_identity_secret,
    new_public_key,
    new_secret_key,
    secret_key_hint,
)
from shirube.services import audit
from shirube.services.audit import API_KEY, Actor
from shirube.services.content_lock import hold_exclusive
from shirube.services.counted_events import count_new_names
from shirube.storage import Connection
from shirube.storage.tables import identity_stat, workspace
from shirube.timeutil import utcnow


@dataclass(frozen=True)
class Workspace:
    """A workspace row."""

    id: int
    name: str
    public_key: str
    secret_key_hash: str
    secret_key_hint: str
    identity_secret: str
    identity_secret_previous: str | None
    identity_mode: str
    allowed_origins: list[str]
    default_locale: str
    theme: dict[str, Any]
    content_revision: int
    created_at: datetime
    # Widget session tokens of an earlier epoch are refused (security/widget_tokens.py).
    token_epoch: int
    # Widget sessions whose user is not verified may change companies (an opt-in).
    unverified_company_writes: bool
    # The webhook kinds some enabled endpoint receives (services/webhook_kinds.py).
    webhook_kinds: int

    def as_json(self) -> dict[str, Any]:
        """The workspace as the server API shows it (no secrets)."""
        return {
            "id": self.id,
            "name": self.name,
            "public_key": self.public_key,
            "secret_key_hint": self.secret_key_hint,
            "identity_mode": self.identity_mode,
            "identity_secret_rotating": self.identity_secret_previous is not None,
            "unverified_company_writes": self.unverified_company_writes,
            "allowed_origins": self.allowed_origins,
            "default_locale": self.default_locale,
            "theme": self.theme,
            "content_revision": self.content_revision,
        }


WORKSPACE_COLUMNS = [workspace.c[f.name] for f in fields(Workspace)]


def workspace_of(row: Any) -> Workspace:
    return Workspace(*row)


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


_CREATE = (
    workspace.insert()
    .values(
        {column.name: bindparam(column.name) for column in WORKSPACE_COLUMNS if column.name != "id"}
    )
    .returning(*WORKSPACE_COLUMNS)
)


def create_workspace(
    conn: Connection,
    name: str,
    origins: list[str],
    *,
    default_locale: str = "en",
    identity_mode: str = "observe",
    unverified_company_writes: bool = False,
) -> NewWorkspace:
    secret_key = new_secret_key()
    row = conn.one(
        _CREATE,
        {
            "name": name,
            "public_key": new_public_key(),
            "secret_key_hash": hash_secret_key(secret_key),
            "secret_key_hint": secret_key_hint(secret_key),
            "identity_secret": new_identity_secret(),
            "identity_secret_previous": None,
            "identity_mode": identity_mode,
            "allowed_origins": origins,
            "default_locale": default_locale,
            "theme": {},
            "content_revision": 0,
            "created_at": utcnow(),
            "token_epoch": 0,
            "unverified_company_writes": unverified_company_writes,
            "webhook_kinds": 0,
        },
    )
    return NewWorkspace(workspace_of(row), secret_key)


_BY_ID = select(*WORKSPACE_COLUMNS).where(workspace.c.id == bindparam("id"))
_BY_SECRET_HASH = select(*WORKSPACE_COLUMNS).where(workspace.c.secret_key_hash == bindparam("hash"))
_ID_BY_SECRET_HASH = select(workspace.c.id).where(workspace.c.secret_key_hash == bindparam("hash"))
_BY_PUBLIC_KEY = select(*WORKSPACE_COLUMNS).where(workspace.c.public_key == bindparam("key"))
_ID_BY_PUBLIC_KEY = select(workspace.c.id).where(workspace.c.public_key == bindparam("key"))
_ALL = select(workspace.c.id, workspace.c.public_key, workspace.c.name).order_by(workspace.c.id)


def workspace_by_id(conn: Connection, workspace_id: int) -> Workspace | None:
    row = conn.one(_BY_ID, {"id": workspace_id})
    return None if row is None else workspace_of(row)


def workspace_by_public_key(conn: Connection, public_key: str) -> Workspace | None:
    row = conn.one(_BY_PUBLIC_KEY, {"key": public_key})
    return None if row is None else workspace_of(row)


def workspace_by_secret_key(conn: Connection, secret_key: str) -> Workspace | None:
    row = conn.one(_BY_SECRET_HASH, {"hash": hash_secret_key(secret_key)})
    return None if row is None else workspace_of(row)


def workspace_id_by_secret_hash(conn: Connection, key_hash: str) -> int | None:
    """The hot path's lookup (event batches): the key hashed once by the caller."""
    found = conn.scalar(_ID_BY_SECRET_HASH, {"hash": key_hash})
    return None if found is None else int(found)


def workspace_id_by_reference(conn: Connection, reference: str) -> int | None:
    """A workspace named by its id or its public key (the CLI's --workspace)."""
    if reference.isascii() and reference.isdigit() and len(reference) < 10:
        row = workspace_by_id(conn, int(reference))
        return None if row is None else row.id
    found = conn.scalar(_ID_BY_PUBLIC_KEY, {"key": reference})
    return None if found is None else int(found)


def list_workspaces(conn: Connection) -> list[tuple[int, str, str]]:
    """(id, public key, name) of every workspace."""
    return [(row.id, row.public_key, row.name) for row in conn.all(_ALL)]


_BUMP = (
    update(workspace)
    .where(workspace.c.id == bindparam("id"))
    .values(content_revision=workspace.c.content_revision + 1)
)


def bump_content_revision(
    conn: Connection, workspace_id: int, counted_names: Collection[str] = ()
) -> None:
    """After any change to published content (or to what a session answer holds besides
    it: theme, default locale): a new revision, and `counted_names`, the event names of a
    checklist being published, counted from now on (after the bump: see
    services/counted_events.py)."""
    hold_exclusive(conn, workspace_id)
    conn.run(_BUMP, {"id": workspace_id})
    count_new_names(conn, workspace_id, counted_names)


# What a settings change of these names must also do: the widget's cached session answers
# hold the theme and the locale fallback.
_IN_SESSION_ANSWERS = frozenset({"theme", "default_locale"})


def update_workspace(
    conn: Connection, workspace_id: int, changes: Mapping[str, Any], *, actor: Actor = API_KEY
) -> Workspace:
    """Change the named settings (name, allowed_origins, identity_mode, default_locale,
    theme); the values are validated by the caller."""
    previous = workspace_by_id(conn, workspace_id)
    assert previous is not None
    before = {name: getattr(previous, name) for name in changes}
    if changes and before != dict(changes):
        conn.run(update(workspace).where(workspace.c.id == workspace_id).values(dict(changes)))
        if _IN_SESSION_ANSWERS & changes.keys():
            bump_content_revision(conn, workspace_id)
        changed = sorted(name for name in changes if before[name] != changes[name])
        audit.record(
            conn,
            workspace_id,
            "settings_changed",
            "settings",
            ", ".join(changed),
            actor=actor,
            before={name: before[name] for name in changed},
            after={name: changes[name] for name in changed},
        )
    found = workspace_by_id(conn, workspace_id)
    assert found is not None
    return found


# Either moves the token epoch on: every widget session token minted before is refused, and
# each widget opens a new session (verified again, in observe or enforce mode).
_NEXT_EPOCH = workspace.c.token_epoch + 1
_ROTATE = (
    update(workspace)
    .where(workspace.c.id == bindparam("id"))
    .values(
        identity_secret_previous=workspace.c.identity_secret,
        identity_secret=bindparam("secret"),
        token_epoch=_NEXT_EPOCH,
    )
)
_FINISH_ROTATION = (
    update(workspace)
    .where(workspace.c.id == bindparam("id"))
    .values(identity_secret_previous=None, token_epoch=_NEXT_EPOCH)
)


def rotate_identity_secret(conn: Connection, workspace_id: int, *, actor: Actor = API_KEY) -> str:
    """A new identity secret; the old one stays valid until the next rotation (or until
    `finish_rotation`), so host backends switch over without a window of failures. Widget
    session tokens minted before are refused from now on (a leaked secret may have signed
    them)."""
    secret = new_identity_secret()
    conn.run(_ROTATE, {"id": workspace_id, "secret": secret})
    # Never the secret itself.
    audit.record(conn, workspace_id, "key_rotated", "key", "identity_secret", actor=actor)
    return secret


def finish_rotation(conn: Connection, workspace_id: int, *, actor: Actor = API_KEY) -> None:
    conn.run(_FINISH_ROTATION, {"id": workspace_id})
    audit.record(conn, workspace_id, "key_rotation_finished", "key", "identity_secret", actor=actor)


_STATS = (
    select(
        identity_stat.c.day,
        identity_stat.c.signed,
        identity_stat.c.unsigned,
        identity_stat.c.invalid,
    )
    .where(
        identity_stat.c.workspace_id == bindparam("id"), identity_stat.c.day >= bindparam("since")
    )
    .order_by(identity_stat.c.day)
)
_STATS_TOTAL = select(
    func.coalesce(func.sum(identity_stat.c.signed), 0),
    func.coalesce(func.sum(identity_stat.c.unsigned), 0),
    func.coalesce(func.sum(identity_stat.c.invalid), 0),
).where(identity_stat.c.workspace_id == bindparam("id"), identity_stat.c.day >= bindparam("since"))


def _since(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days - 1)).date().isoformat()


def identity_stats(conn: Connection, ws: Workspace, days: int) -> dict[str, Any]:
    """Widget sessions per day of the last `days` days by identity-token outcome."""
    rows = conn.all(_STATS, {"id": ws.id, "since": _since(days)})
    total = sum(r.signed + r.unsigned + r.invalid for r in rows)
    signed = sum(r.signed for r in rows)
    return {
        "identity_mode": ws.identity_mode,
        "days": [
            {"day": r.day, "signed": r.signed, "unsigned": r.unsigned, "invalid": r.invalid}
            for r in rows
        ],
        "coverage": round(signed / total, 4) if total else None,
    }


def identity_totals(conn: Connection, workspace_id: int, days: int) -> tuple[int, int, int]:
    """(signed, unsigned, invalid) widget sessions of the last `days` days."""
    signed, unsigned, invalid = conn.one(_STATS_TOTAL, {"id": workspace_id, "since": _since(days)})
    return int(signed), int(unsigned), int(invalid)
