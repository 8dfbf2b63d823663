"""Widget session tokens: `session` hands one out, `events` requires it.

It binds the widget's later calls to the workspace, user and company that `session` checked
(identity included), so events cannot be written for anyone else. Signed with the server's
SHIRUBE_SECRET_KEY; every instance sharing that key accepts every other instance's tokens.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

_AUDIENCE = "shirube:widget"


@dataclass(frozen=True)
class WidgetIdentity:
    workspace_id: int
    user_id: str
    company_id: str | None


def issue_widget_token(identity: WidgetIdentity, secret: str, ttl_seconds: int) -> str:
    payload: dict[str, object] = {
        "aud": _AUDIENCE,
        "ws": identity.workspace_id,
        "sub": identity.user_id,
        "exp": int(time.time()) + ttl_seconds,
    }
    if identity.company_id is not None:
        payload["co"] = identity.company_id
    return jwt.encode(payload, secret, algorithm="HS256")


def read_widget_token(token: str, secret: str) -> WidgetIdentity | None:
    """Return the identity, or None when the token is forged, expired or malformed."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub", "ws"]},
        )
    except jwt.InvalidTokenError:
        return None
    workspace_id, user_id, company_id = claims.get("ws"), claims.get("sub"), claims.get("co")
    if not isinstance(workspace_id, int) or not isinstance(user_id, str):
        return None
    if company_id is not None and not isinstance(company_id, str):
        return None
    return WidgetIdentity(workspace_id, user_id, company_id)
