"""Authentication of the server API: `Authorization: Bearer sk_…` names the workspace."""

from __future__ import annotations

from starlette.requests import Request

from shirube.api.errors import ApiError
from shirube.api.routing import get_context
from shirube.security.keys import SECRET_PREFIX
from shirube.services.workspaces import Workspace, workspace_by_secret_key

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="shirube"'}


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "send the workspace secret key as `Authorization: Bearer sk_…`",
            headers=_CHALLENGE,
        )
    return token.strip()


def secret_key(request: Request) -> str:
    """The secret key the request sends, or the 401 that says what to send."""
    token = _bearer(request)
    if not token.startswith(SECRET_PREFIX):
        raise ApiError(
            401,
            "unauthorized",
            "the server API needs a secret key (sk_…); public keys (pk_…) are for the widget",
            headers=_CHALLENGE,
        )
    return token


def unknown_secret_key() -> ApiError:
    return ApiError(401, "unauthorized", "unknown secret key", headers=_CHALLENGE)


async def server_workspace(request: Request) -> Workspace:
    token = secret_key(request)
    found = await get_context(request).db.run(
        lambda conn: workspace_by_secret_key(conn, token), transaction=False
    )
    if found is None:
        raise unknown_secret_key()
    return found
