"""Figures of the webhook outbox for monitoring (the metrics endpoint reads them): how many
deliveries wait, are due, were given up on, and how many endpoints were disabled for failing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select

from shirube.storage import Connection
from shirube.storage.tables import webhook_delivery, webhook_endpoint

_d = webhook_delivery.c
_e = webhook_endpoint.c

_PENDING = select(func.count()).select_from(webhook_delivery).where(_d.next_attempt_at.is_not(None))
_DUE = (
    select(func.count()).select_from(webhook_delivery).where(_d.next_attempt_at <= bindparam("now"))
)
_FAILED = select(func.count()).select_from(webhook_delivery).where(_d.state == "failed")
_DISABLED = (
    select(func.count())
    .select_from(webhook_endpoint)
    .where(_e.enabled.is_(False), _e.disabled_reason != "owner")
)


def queue_depth(conn: Connection) -> int:
    """Deliveries waiting for an attempt (due or not, claimed or not), all workspaces."""
    return int(conn.scalar(_PENDING))


def due_count(conn: Connection, now: datetime) -> int:
    """Deliveries whose attempt is due now: a queue that keeps growing here is late."""
    return int(conn.scalar(_DUE, {"now": now}))


def failed_count(conn: Connection) -> int:
    """Deliveries given up on (every attempt failed), still in the log."""
    return int(conn.scalar(_FAILED))


def disabled_endpoint_count(conn: Connection) -> int:
    """Endpoints disabled because they kept failing or answered 410."""
    return int(conn.scalar(_DISABLED))
