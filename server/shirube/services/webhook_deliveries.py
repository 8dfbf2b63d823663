"""Webhook deliveries as the worker handles them: claiming the due ones, recording each attempt,
the retry schedule, giving up, and when an endpoint must be disabled. (The log an owner reads
and resending by hand: services/webhook_log.py.)

**Claims.** A worker claims due deliveries with one UPDATE that moves `next_attempt_at` to the
end of a lease and writes its claim token (PostgreSQL picks the rows `FOR UPDATE SKIP LOCKED`,
so instances sharing the database never claim the same row; SQLite's write lock serializes
claims). A worker killed mid-attempt leaves the row due again once the lease ends: another
worker (or the next start) attempts it again, with the same `webhook-id`. A result is recorded
only by the claim that made the attempt.

**Schedule** (Standard Webhooks' example, cut at a day): attempts at once, then after 5 s,
5 min, 30 min, 2 h, 5 h, 10 h and 10 h (about 27.6 h in all), each delay stretched or shrunk at
random by up to a fifth so that endpoints that failed together are not retried together. A 2xx
answer is a success; anything else (another status, no answer, a refused address) a failure. A
`Retry-After` of a 429 or 503 answer postpones the next attempt (up to the longest delay).
After the last attempt the delivery is `failed`.

**Disabling.** An endpoint is disabled when a delivery fails its last attempt and nothing sent
to the endpoint has succeeded for DISABLE_AFTER (a day): every attempt of a day failed. A 410
Gone answer disables it at once. Its pending deliveries are paused; enabling it again resumes
them (services/webhook_endpoints.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, func, select, update

from shirube.services.webhook_endpoints import Endpoint
from shirube.storage import ByEngine, Connection, in_values
from shirube.storage.tables import webhook_attempt, webhook_delivery, webhook_endpoint

SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
JITTER = 0.2
DISABLE_AFTER = timedelta(hours=24)
ERROR_MAX = 200
RESPONSE_MAX = 1000


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    status_code: int | None
    duration_ms: int
    error: str | None = None
    response: str | None = None
    # Seconds a 429 or 503 answer asked to wait.
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Claimed(NamedTuple):
    id: int
    workspace_id: int
    endpoint_id: int
    message_id: str
    body: str
    attempts: int  # this attempt's number
    step: int
    created_at: datetime


def next_delay(
    step: int, random: Callable[[], float], retry_after: float | None
) -> timedelta | None:
    """How long after a failed attempt at `step` the next one waits; None: that was the last."""
    if step + 1 >= len(SCHEDULE):
        return None
    delay = SCHEDULE[step + 1] * (1 - JITTER + 2 * JITTER * random())
    if retry_after is not None:
        delay = max(delay, min(timedelta(seconds=retry_after), max(SCHEDULE)))
    return delay


_d = webhook_delivery.c
_CLAIMED_COLUMNS = (
    _d.id,
    _d.workspace_id,
    _d.endpoint_id,
    _d.message_id,
    _d.body,
    _d.attempts,
    _d.step,
    _d.created_at,
)
_due = select(_d.id).where(_d.next_attempt_at <= bindparam("now")).order_by(_d.next_attempt_at)


def _claim(due: Any) -> Any:
    return (
        update(webhook_delivery)
        .where(_d.id.in_(due.scalar_subquery()))
        .values(
            next_attempt_at=bindparam("lease_until"),
            claim=bindparam("token"),
            attempts=_d.attempts + 1,
        )
        .returning(*_CLAIMED_COLUMNS)
    )


_CLAIM = ByEngine(
    sqlite=_claim(_due.limit(bindparam("limit"))),
    postgresql=_claim(_due.limit(bindparam("limit")).with_for_update(skip_locked=True)),
)
_NEXT_DUE = select(func.min(_d.next_attempt_at))


def next_due(conn: Connection) -> datetime | None:
    """When the earliest pending delivery is due (a claimed one: when its lease ends)."""
    found: datetime | None = conn.scalar(_NEXT_DUE)
    return found


def claim_due(
    conn: Connection, now: datetime, limit: int, lease: timedelta
) -> tuple[str, list[Claimed]]:
    """Up to `limit` due deliveries, held by a new claim until `now + lease`."""
    token = secrets.token_hex(16)
    rows = conn.all(
        _CLAIM, {"now": now, "limit": limit, "lease_until": now + lease, "token": token}
    )
    return token, [Claimed(*row) for row in rows]


_ENDPOINTS_BY_ID = select(
    *(webhook_endpoint.c[name] for name in Endpoint.__dataclass_fields__)
).where(in_values(webhook_endpoint.c.id, "ids"))


def endpoints_by_id(conn: Connection, ids: list[int]) -> dict[int, Endpoint]:
    return {row.id: Endpoint(*row) for row in conn.all(_ENDPOINTS_BY_ID, {"ids": ids})}


_OF_CLAIM = (_d.id == bindparam("id"), _d.claim == bindparam("token"))
_DROP = delete(webhook_delivery).where(*_OF_CLAIM)
_PARK = (
    update(webhook_delivery)
    .where(*_OF_CLAIM)
    .values(state="paused", next_attempt_at=None, claim=None, attempts=_d.attempts - 1)
)


def drop_orphan(conn: Connection, delivery: Claimed, token: str) -> None:
    """A delivery whose endpoint was deleted while its row was being written."""
    conn.run(_DROP, {"id": delivery.id, "token": token})


def park(conn: Connection, delivery: Claimed, token: str) -> None:
    """A delivery to an endpoint disabled meanwhile: paused, no attempt made."""
    conn.run(_PARK, {"id": delivery.id, "token": token})


_e = webhook_endpoint.c
_SUCCEEDED_ENDPOINT = (
    update(webhook_endpoint).where(_e.id == bindparam("id")).values(failing_since=None)
)
_FAILED_ENDPOINT = (
    update(webhook_endpoint)
    .where(_e.id == bindparam("id"), _e.failing_since.is_(None))
    .values(failing_since=bindparam("now"))
)
_LAST: dict[str, Any] = {
    "last_attempt_at": bindparam("now"),
    "last_status": bindparam("status"),
    "last_duration_ms": bindparam("duration"),
    "last_error": bindparam("error"),
    "claim": None,
}
_SUCCEEDED = (
    update(webhook_delivery)
    .where(*_OF_CLAIM)
    .values(state="succeeded", next_attempt_at=None, delivered_at=bindparam("now"), **_LAST)
)
# Only a delivery still pending: one paused meanwhile (its endpoint disabled) stays paused.
_RETRY = (
    update(webhook_delivery)
    .where(*_OF_CLAIM, _d.state == "pending")
    .values(next_attempt_at=bindparam("next"), step=_d.step + 1, **_LAST)
)
_GIVE_UP = (
    update(webhook_delivery)
    .where(*_OF_CLAIM, _d.state == "pending")
    .values(state="failed", next_attempt_at=None, **_LAST)
)
_a = webhook_attempt.c
# From the delivery's row: nothing when the delivery was deleted meanwhile (its endpoint).
_RECORD_ATTEMPT = webhook_attempt.insert().from_select(
    [
        "delivery_id",
        "workspace_id",
        "number",
        "attempted_at",
        "status_code",
        "duration_ms",
        "error",
        "response",
    ],
    select(
        _d.id,
        _d.workspace_id,
        bindparam("number", type_=_a.number.type),
        bindparam("now", type_=_a.attempted_at.type),
        bindparam("status", type_=_a.status_code.type),
        bindparam("duration", type_=_a.duration_ms.type),
        bindparam("error", type_=_a.error.type),
        bindparam("response", type_=_a.response.type),
    ).where(_d.id == bindparam("id")),
)
_FAILING_SINCE = select(_e.failing_since).where(_e.id == bindparam("id"))


def _text(value: str | None, limit: int) -> str | None:
    # PostgreSQL text holds no U+0000; an answer's body may.
    return None if value is None else value.replace("\x00", "\ufffd")[:limit]


def record_attempt(
    conn: Connection,
    delivery: Claimed,
    token: str,
    outcome: Outcome,
    now: datetime,
    random: Callable[[], float],
) -> str | None:
    """Store one attempt's outcome (inside a transaction). Returns the reason the endpoint must
    now be disabled (`failing`, `gone`), which the caller does in a transaction of its own:
    that one locks the workspace row first, as every change of endpoints does, and this one
    must not hold the endpoint's row meanwhile."""
    params: dict[str, Any] = {
        "id": delivery.id,
        "token": token,
        "now": now,
        "status": outcome.status_code,
        "duration": outcome.duration_ms,
        "error": _text(outcome.error, ERROR_MAX),
    }
    # The endpoint's row before the delivery's, in the order endpoint changes take them.
    endpoint = {"id": delivery.endpoint_id, "now": now}
    disable: str | None = None
    if outcome.succeeded:
        conn.run(_SUCCEEDED_ENDPOINT, endpoint)
        conn.run(_SUCCEEDED, params)
    else:
        conn.run(_FAILED_ENDPOINT, endpoint)
        delay = next_delay(delivery.step, random, outcome.retry_after)
        if outcome.status_code == 410:
            disable = "gone"
        if delay is None:
            gave_up = conn.run(_GIVE_UP, params)
            failing_since = conn.scalar(_FAILING_SINCE, {"id": delivery.endpoint_id})
            if gave_up and failing_since is not None and failing_since <= now - DISABLE_AFTER:
                disable = disable or "failing"
        else:
            conn.run(_RETRY, {**params, "next": now + delay})
    conn.run(
        _RECORD_ATTEMPT,
        {**params, "number": delivery.attempts, "response": _text(outcome.response, RESPONSE_MAX)},
    )
    return disable
