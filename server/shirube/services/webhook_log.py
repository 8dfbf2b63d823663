"""The delivery log of a webhook endpoint (newest first, a page at a time, one delivery with
its payload and attempts), resending a delivery by hand, and keeping the log bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, delete, or_, select, update

from shirube.errors import Conflict, NotFound
from shirube.services.webhook_deliveries import SCHEDULE
from shirube.services.webhook_endpoints import get_endpoint, valid_endpoint_id
from shirube.storage import Connection, in_values
from shirube.storage.tables import webhook_attempt, webhook_delivery
from shirube.timeutil import isoformat

STATES = ("pending", "succeeded", "failed", "paused")
_d = webhook_delivery.c

_LOG_COLUMNS = (
    _d.id,
    _d.message_id,
    _d.kind,
    _d.state,
    _d.attempts,
    _d.next_attempt_at,
    _d.created_at,
    _d.delivered_at,
    _d.last_attempt_at,
    _d.last_status,
    _d.last_duration_ms,
    _d.last_error,
)


class DeliveryRow(NamedTuple):
    id: int
    message_id: str
    kind: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None
    last_duration_ms: int | None
    last_error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "webhook_id": self.message_id,
            "kind": self.kind,
            "state": self.state,
            "attempt_count": self.attempts,
            # While a worker holds it, this is when its claim ends.
            "next_attempt_at": isoformat(self.next_attempt_at),
            "created_at": isoformat(self.created_at),
            "delivered_at": isoformat(self.delivered_at),
            "last_attempt": None
            if self.last_attempt_at is None
            else {
                "at": isoformat(self.last_attempt_at),
                "status_code": self.last_status,
                "duration_ms": self.last_duration_ms,
                "error": self.last_error,
            },
        }


class AttemptRow(NamedTuple):
    number: int
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "at": isoformat(self.attempted_at),
            "status_code": self.status_code,
            "duration_ms": self.duration_ms,
            "error": self.error,
            "response": self.response,
        }


LOG_PAGE_MAX = 100
_OF_ENDPOINT = (
    _d.workspace_id == bindparam("workspace_id"),
    _d.endpoint_id == bindparam("endpoint_id"),
)


def _log(before: bool, state: bool) -> Any:
    conditions = list(_OF_ENDPOINT)
    if before:
        conditions.append(_d.id < bindparam("before"))
    if state:
        conditions.append(_d.state == bindparam("state"))
    return select(*_LOG_COLUMNS).where(*conditions).order_by(_d.id.desc()).limit(bindparam("limit"))


_LOGS = {
    (before, state): _log(before, state) for before in (False, True) for state in (False, True)
}


@dataclass(frozen=True)
class LogPage:
    deliveries: list[DeliveryRow]
    # Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


def delivery_log(
    conn: Connection,
    workspace_id: int,
    endpoint_id: int,
    *,
    limit: int = 50,
    before: int | None = None,
    state: str | None = None,
) -> LogPage:
    """An endpoint's deliveries, newest first, `limit` at a time."""
    get_endpoint(conn, workspace_id, endpoint_id)
    params: dict[str, Any] = {
        "workspace_id": workspace_id,
        "endpoint_id": endpoint_id,
        "limit": limit + 1,
        "before": before,
        "state": state,
    }
    rows = [
        DeliveryRow(*row)
        for row in conn.all(_LOGS[(before is not None, state is not None)], params)
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return LogPage(rows, rows[-1].id if more and rows else None)


_ONE_DELIVERY = select(*_LOG_COLUMNS, _d.body).where(*_OF_ENDPOINT, _d.id == bindparam("id"))
_ATTEMPTS = (
    select(
        webhook_attempt.c.number,
        webhook_attempt.c.attempted_at,
        webhook_attempt.c.status_code,
        webhook_attempt.c.duration_ms,
        webhook_attempt.c.error,
        webhook_attempt.c.response,
    )
    .where(webhook_attempt.c.delivery_id == bindparam("id"))
    .order_by(webhook_attempt.c.id)
)


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: DeliveryRow
    body: str
    attempts: list[AttemptRow]


def get_delivery(
    conn: Connection, workspace_id: int, endpoint_id: int, delivery_id: int
) -> DeliveryDetail:
    row = None
    if valid_endpoint_id(endpoint_id) and valid_endpoint_id(delivery_id):
        params = {"workspace_id": workspace_id, "endpoint_id": endpoint_id, "id": delivery_id}
        row = conn.one(_ONE_DELIVERY, params)
    if row is None:
        raise NotFound("delivery")
    attempts = [AttemptRow(*a) for a in conn.all(_ATTEMPTS, {"id": delivery_id})]
    return DeliveryDetail(DeliveryRow(*row[:-1]), row[-1], attempts)


_RESEND = (
    update(webhook_delivery)
    .where(*_OF_ENDPOINT, _d.id == bindparam("id"))
    .values(
        state="pending",
        next_attempt_at=bindparam("now"),
        claim=None,
        # A finished delivery gets one attempt more; a pending one keeps its place.
        step=case((_d.state == "pending", _d.step), else_=bindparam("last_step")),
    )
)


def resend(
    conn: Connection, workspace_id: int, endpoint_id: int, delivery_id: int, now: datetime
) -> DeliveryDetail:
    """Send a delivery again, at once, with the same `webhook-id` and body: a finished one
    (succeeded or failed) gets one more attempt, a pending one is attempted now and keeps its
    place in the schedule. Not to a disabled endpoint: enable it first."""
    endpoint = get_endpoint(conn, workspace_id, endpoint_id)
    get_delivery(conn, workspace_id, endpoint_id, delivery_id)
    if not endpoint.enabled:
        raise Conflict("the endpoint is disabled: enable it first")
    conn.run(
        _RESEND,
        {
            "workspace_id": workspace_id,
            "endpoint_id": endpoint_id,
            "id": delivery_id,
            "now": now,
            "last_step": len(SCHEDULE) - 1,
        },
    )
    return get_delivery(conn, workspace_id, endpoint_id, delivery_id)


# Keeping the log bounded ----------------------------------------------------------------------

PRUNE_BATCH = 500
_OLD = (
    select(_d.id)
    .where(_d.created_at < bindparam("cutoff"), or_(_d.state == "succeeded", _d.state == "failed"))
    .limit(PRUNE_BATCH)
)
_PRUNE_ATTEMPTS = delete(webhook_attempt).where(in_values(webhook_attempt.c.delivery_id, "ids"))
_PRUNE_DELIVERIES = delete(webhook_delivery).where(in_values(_d.id, "ids"))


def prune(conn: Connection, cutoff: datetime) -> int:
    """Delete up to PRUNE_BATCH finished deliveries created before `cutoff`, with their
    attempts; returns how many (call again while it returns PRUNE_BATCH)."""
    ids = [row.id for row in conn.all(_OLD, {"cutoff": cutoff})]
    if ids:
        conn.run(_PRUNE_ATTEMPTS, {"ids": ids})
        conn.run(_PRUNE_DELIVERIES, {"ids": ids})
    return len(ids)
