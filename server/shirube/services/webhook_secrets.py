"""Rotating a webhook endpoint's signing secret with two live secrets (Standard Webhooks): the
new one signs from the rotation on, the one it replaces too until the rotation is finished or
ROTATION_OVERLAP has passed, so a receiver switches over without a failed delivery."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, update

from shirube.security.webhook_signing import new_webhook_secret
from shirube.services import audit
from shirube.services.audit import API_KEY, Actor
from shirube.services.webhook_endpoints import Endpoint, get_endpoint
from shirube.storage import Connection
from shirube.storage.tables import webhook_endpoint

# How long the secret before a rotation keeps signing, unless the rotation is finished sooner.
ROTATION_OVERLAP = timedelta(hours=24)
_OF_WORKSPACE = webhook_endpoint.c.workspace_id == bindparam("workspace_id")


_ROTATE = (
    update(webhook_endpoint)
    .where(_OF_WORKSPACE, webhook_endpoint.c.id == bindparam("id"))
    .values(
        previous_secret=webhook_endpoint.c.secret,
        previous_secret_expires_at=bindparam("expires"),
        secret=bindparam("secret"),
        updated_at=bindparam("now"),
    )
)
_FINISH_ROTATION = (
    update(webhook_endpoint)
    .where(_OF_WORKSPACE, webhook_endpoint.c.id == bindparam("id"))
    .values(previous_secret=None, previous_secret_expires_at=None, updated_at=bindparam("now"))
)


def rotate_secret(
    conn: Connection, workspace_id: int, endpoint_id: int, now: datetime, *, actor: Actor = API_KEY
) -> tuple[Endpoint, str]:
    """A new secret, which signs from now on; the one it replaces signs too for
    ROTATION_OVERLAP, or until `finish_rotation` (a rotation during a rotation drops the
    oldest). Returns the endpoint and the new secret, shown this once."""
    endpoint = get_endpoint(conn, workspace_id, endpoint_id)
    audit.record(conn, workspace_id, "key_rotated", "webhook", endpoint.url, actor=actor)
    secret = new_webhook_secret()
    params = {
        "workspace_id": workspace_id,
        "id": endpoint_id,
        "secret": secret,
        "expires": now + ROTATION_OVERLAP,
        "now": now,
    }
    conn.run(_ROTATE, params)
    return get_endpoint(conn, workspace_id, endpoint_id), secret


def finish_rotation(
    conn: Connection, workspace_id: int, endpoint_id: int, now: datetime, *, actor: Actor = API_KEY
) -> Endpoint:
    """Only the newest secret signs from now on."""
    endpoint = get_endpoint(conn, workspace_id, endpoint_id)
    audit.record(conn, workspace_id, "key_rotation_finished", "webhook", endpoint.url, actor=actor)
    conn.run(_FINISH_ROTATION, {"workspace_id": workspace_id, "id": endpoint_id, "now": now})
    return get_endpoint(conn, workspace_id, endpoint_id)
