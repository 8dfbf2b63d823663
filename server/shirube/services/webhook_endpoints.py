"""Webhook endpoints: where a workspace wants its events posted, and with which secret.

Every change of an endpoint also sets `workspace.webhook_kinds` (the kinds some enabled
endpoint receives), in the same transaction and under a lock of the workspace row, so that the
value every event batch reads with that row is never stale, whichever instance changed what.
Disabling an endpoint pauses its pending deliveries; enabling it again resumes them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from shirube.errors import Conflict, FieldError, NotFound, ValidationFailed
from shirube.security.outbound import OutboundRules
from shirube.security.webhook_signing import new_webhook_secret
from shirube.services import audit
from shirube.services.audit import API_KEY, Actor
from shirube.services.webhook_fields import checked_description, checked_kinds, checked_url
from shirube.services.webhook_kinds import mask_of
from shirube.storage import ByEngine, Connection
from shirube.storage.tables import webhook_attempt, webhook_delivery, webhook_endpoint, workspace
from shirube.timeutil import isoformat
from shirube.validation import MAX_DB_INT

MAX_ENDPOINTS = 20

DISABLED_MESSAGES = {
    "failing": "every delivery to it failed for more than a day",
    "gone": "it answered 410 Gone, asking for no more deliveries",
    "owner": "it was disabled by hand",
}


@dataclass(frozen=True)
class Endpoint:
    id: int
    workspace_id: int
    url: str
    description: str | None
    kinds: list[str]
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime

    def previous_live(self, now: datetime) -> bool:
        return (
            self.previous_secret is not None
            and self.previous_secret_expires_at is not None
            and self.previous_secret_expires_at > now
        )

    def live_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a request sent now: the current one, and the one before a
        rotation until it is finished or expires."""
        if self.previous_live(now):
            assert self.previous_secret is not None
            return [self.secret, self.previous_secret]
        return [self.secret]

    @property
    def disabled_message(self) -> str | None:
        if self.enabled or self.disabled_reason is None:
            return None
        return DISABLED_MESSAGES.get(self.disabled_reason, self.disabled_reason)

    def as_json(self, now: datetime) -> dict[str, Any]:
        """As the server API shows it: never a secret."""
        rotating = self.previous_live(now)
        return {
            "id": self.id,
            "url": self.url,
            "description": self.description,
            "kinds": self.kinds,
            "enabled": self.enabled,
            "disabled": None
            if self.enabled
            else {
                "at": isoformat(self.disabled_at),
                "reason": self.disabled_reason,
                "message": self.disabled_message,
            },
            "failing_since": isoformat(self.failing_since),
            "secret_rotating": rotating,
            "previous_secret_expires_at": isoformat(self.previous_secret_expires_at)
            if rotating
            else None,
            "created_at": isoformat(self.created_at),
            "updated_at": isoformat(self.updated_at),
        }


@dataclass(frozen=True)
class EndpointChanges:
    """What a create or an update says; None leaves a field as it is (an update)."""

    url: str | None = None
    kinds: list[str] | None = None
    description: str | None = None
    enabled: bool | None = None
    # Set the description to None (an empty one in a form or `null` in the API).
    clear_description: bool = False


_COLUMNS = [webhook_endpoint.c[f.name] for f in fields(Endpoint)]
_OF_WORKSPACE = webhook_endpoint.c.workspace_id == bindparam("workspace_id")
_ONE = select(*_COLUMNS).where(_OF_WORKSPACE, webhook_endpoint.c.id == bindparam("id"))
_ALL = select(*_COLUMNS).where(_OF_WORKSPACE).order_by(webhook_endpoint.c.id)
_COUNT = select(func.count()).select_from(webhook_endpoint).where(_OF_WORKSPACE)
_CREATE = (
    webhook_endpoint.insert()
    .values({column.name: bindparam(column.name) for column in _COLUMNS if column.name != "id"})
    .returning(*_COLUMNS)
)
_KINDS_ENABLED = select(webhook_endpoint.c.kinds).where(
    _OF_WORKSPACE, webhook_endpoint.c.enabled.is_(True)
)
# PostgreSQL: endpoint changes of one workspace queue here, so that each computes the kinds
# from the endpoints the previous one committed (SQLite's write lock does that already).
_LOCK_WORKSPACE = ByEngine(
    sqlite=select(workspace.c.id).where(workspace.c.id == bindparam("workspace_id")),
    postgresql=select(workspace.c.id)
    .where(workspace.c.id == bindparam("workspace_id"))
    .with_for_update(),
)
_SET_KINDS = (
    update(workspace)
    .where(workspace.c.id == bindparam("workspace_id"))
    .values(webhook_kinds=bindparam("mask"))
)
_delivery = webhook_delivery.c
_PAUSE = (
    update(webhook_delivery)
    .where(_delivery.endpoint_id == bindparam("endpoint_id"), _delivery.state == "pending")
    .values(state="paused", next_attempt_at=None, claim=None)
)
_RESUME = (
    update(webhook_delivery)
    .where(_delivery.endpoint_id == bindparam("endpoint_id"), _delivery.state == "paused")
    .values(state="pending", next_attempt_at=bindparam("now"))
)
_DELETE_ATTEMPTS = delete(webhook_attempt).where(
    webhook_attempt.c.delivery_id.in_(
        select(_delivery.id).where(_delivery.endpoint_id == bindparam("endpoint_id"))
    )
)
_DELETE_DELIVERIES = delete(webhook_delivery).where(
    _delivery.endpoint_id == bindparam("endpoint_id")
)
_DELETE = delete(webhook_endpoint).where(_OF_WORKSPACE, webhook_endpoint.c.id == bindparam("id"))


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(*row)


def refresh_workspace_kinds(conn: Connection, workspace_id: int) -> int:
    """Set `workspace.webhook_kinds` from the enabled endpoints (inside the transaction that
    changed them, after `lock_workspace`)."""
    mask = mask_of(
        name
        for (kinds,) in conn.all(_KINDS_ENABLED, {"workspace_id": workspace_id})
        for name in kinds
    )
    conn.run(_SET_KINDS, {"workspace_id": workspace_id, "mask": mask})
    return mask


def lock_workspace(conn: Connection, workspace_id: int) -> None:
    if conn.scalar(_LOCK_WORKSPACE, {"workspace_id": workspace_id}) is None:
        raise NotFound("workspace")


def valid_endpoint_id(endpoint_id: int) -> bool:
    """Ids from URLs: beyond the column's range there is nothing to find (and PostgreSQL would
    refuse to compare)."""
    return 1 <= endpoint_id <= MAX_DB_INT


def list_endpoints(conn: Connection, workspace_id: int) -> list[Endpoint]:
    return [_endpoint(row) for row in conn.all(_ALL, {"workspace_id": workspace_id})]


def get_endpoint(conn: Connection, workspace_id: int, endpoint_id: int) -> Endpoint:
    row = None
    if valid_endpoint_id(endpoint_id):
        row = conn.one(_ONE, {"workspace_id": workspace_id, "id": endpoint_id})
    if row is None:
        raise NotFound("webhook endpoint")
    return _endpoint(row)


def audited(endpoint: Endpoint) -> dict[str, Any]:
    """What the audit log keeps of an endpoint: never its secret."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "kinds": endpoint.kinds,
        "enabled": endpoint.enabled,
    }


def create_endpoint(
    conn: Connection,
    workspace_id: int,
    changes: EndpointChanges,
    rules: OutboundRules,
    now: datetime,
    *,
    actor: Actor = API_KEY,
) -> Endpoint:
    """A new endpoint with a new secret (the caller shows it once)."""
    if changes.url is None:
        raise ValidationFailed([FieldError("url", "is required")])
    url = checked_url(changes.url, rules)
    kinds = checked_kinds(changes.kinds or [])
    description = checked_description(changes.description)
    lock_workspace(conn, workspace_id)
    if conn.scalar(_COUNT, {"workspace_id": workspace_id}) >= MAX_ENDPOINTS:
        raise Conflict(f"a workspace has at most {MAX_ENDPOINTS} webhook endpoints")
    enabled = changes.enabled is not False
    row = conn.one(
        _CREATE,
        {
            "workspace_id": workspace_id,
            "url": url,
            "description": description,
            "kinds": kinds,
            "secret": new_webhook_secret(),
            "previous_secret": None,
            "previous_secret_expires_at": None,
            "enabled": enabled,
            "disabled_at": None if enabled else now,
            "disabled_reason": None if enabled else "owner",
            "failing_since": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    refresh_workspace_kinds(conn, workspace_id)
    created = _endpoint(row)
    audit.record(
        conn, workspace_id, "webhook_added", "webhook", url, actor=actor, after=audited(created)
    )
    return created


def update_endpoint(
    conn: Connection,
    workspace_id: int,
    endpoint_id: int,
    changes: EndpointChanges,
    rules: OutboundRules,
    now: datetime,
    *,
    actor: Actor = API_KEY,
) -> Endpoint:
    values: dict[str, Any] = {}
    if changes.url is not None:
        values["url"] = checked_url(changes.url, rules)
    if changes.kinds is not None:
        values["kinds"] = checked_kinds(changes.kinds)
    if changes.description is not None or changes.clear_description:
        values["description"] = checked_description(changes.description)
    lock_workspace(conn, workspace_id)
    current = get_endpoint(conn, workspace_id, endpoint_id)
    if "url" in values and values["url"] != current.url:
        values["failing_since"] = None  # a new address starts afresh
    if changes.enabled is True and not current.enabled:
        values.update(enabled=True, disabled_at=None, disabled_reason=None, failing_since=None)
        conn.run(_RESUME, {"endpoint_id": endpoint_id, "now": now})
    elif changes.enabled is False and current.enabled:
        values.update(enabled=False, disabled_at=now, disabled_reason="owner")
        conn.run(_PAUSE, {"endpoint_id": endpoint_id})
    if values:
        values["updated_at"] = now
        conn.run(
            update(webhook_endpoint)
            .where(
                webhook_endpoint.c.id == endpoint_id,
                webhook_endpoint.c.workspace_id == workspace_id,
            )
            .values(values)
        )
        refresh_workspace_kinds(conn, workspace_id)
    changed = get_endpoint(conn, workspace_id, endpoint_id)
    if audited(changed) != audited(current):
        audit.record(
            conn,
            workspace_id,
            "webhook_changed",
            "webhook",
            changed.url,
            actor=actor,
            before=audited(current),
            after=audited(changed),
        )
    return changed


def delete_endpoint(
    conn: Connection, workspace_id: int, endpoint_id: int, *, actor: Actor = API_KEY
) -> None:
    """The endpoint with its delivery log."""
    lock_workspace(conn, workspace_id)
    current = get_endpoint(conn, workspace_id, endpoint_id)
    audit.record(
        conn,
        workspace_id,
        "webhook_deleted",
        "webhook",
        current.url,
        actor=actor,
        before=audited(current),
    )
    conn.run(_DELETE_ATTEMPTS, {"endpoint_id": endpoint_id})
    conn.run(_DELETE_DELIVERIES, {"endpoint_id": endpoint_id})
    conn.run(_DELETE, {"workspace_id": workspace_id, "id": endpoint_id})
    refresh_workspace_kinds(conn, workspace_id)


_ENDPOINT_WORKSPACE = select(webhook_endpoint.c.workspace_id).where(
    webhook_endpoint.c.id == bindparam("id")
)
_DISABLE = (
    update(webhook_endpoint)
    .where(
        webhook_endpoint.c.id == bindparam("id"),
        webhook_endpoint.c.enabled.is_(True),
    )
    .values(
        enabled=False,
        disabled_at=bindparam("now"),
        disabled_reason=bindparam("reason"),
        updated_at=bindparam("now"),
    )
)


def disable_endpoint(conn: Connection, endpoint_id: int, reason: str, now: datetime) -> bool:
    """The delivery worker's: stop delivering to an endpoint that keeps failing (`failing`)
    or asked for no more (`gone`). Whether it was enabled until now."""
    workspace_id = conn.scalar(_ENDPOINT_WORKSPACE, {"id": endpoint_id})
    if workspace_id is None:
        return False
    lock_workspace(conn, workspace_id)
    if not conn.run(_DISABLE, {"id": endpoint_id, "reason": reason, "now": now}):
        return False
    conn.run(_PAUSE, {"endpoint_id": endpoint_id})
    refresh_workspace_kinds(conn, workspace_id)
    return True
