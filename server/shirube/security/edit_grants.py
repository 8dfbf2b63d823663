"""Edit grants: what lets the visual builder, running inside the host app, read and save one
tour's draft (docs/console.md, "Visual builder").

The console mints one for a signed-in editor or owner (`POST …/tours/{key}/open-in-app`) and
hands it to the app in the URL fragment. It is bound to the workspace, the admin, the tour key
and the origin the builder runs on, expires after 15 minutes, and is signed with itsdangerous
under a key derived for this purpose only: no widget token or console cookie can pass for one.

Revocation without a table: the grant carries a fingerprint of the admin's password hash and
session epoch, the state every console session is checked against (console/sessions.py).
Signing out (which ends every session of the admin), changing the password or deleting the
admin therefore revokes every grant the admin holds; losing the editor role revokes it too
(the role is read again on every use, services/builder.py).

The expiry is checked here, against a clock the caller may pass (tests), not by itsdangerous'
timed signer, so that an expired grant is still known to be ours and answers `grant_expired`
rather than `grant_invalid`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

GRANT_TTL_SECONDS = 15 * 60
_SALT = "shirube builder grant v1"
# The grant's purpose, inside the signed payload too: a later kind of grant signed with the
# same key must not pass for this one.
_PURPOSE = "builder"


@dataclass(frozen=True)
class EditGrant:
    workspace_id: int
    admin_id: int
    tour: str
    origin: str
    # hmac of the admin's password hash and session epoch (admin_fingerprint).
    fingerprint: str
    expires_at: int  # unix seconds


class GrantRefused(Exception):
    """`code` is `grant_invalid` (not ours, tampered, malformed) or `grant_expired`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _key(secret_key: str) -> str:
    label = b"shirube builder grant key v1"
    return hmac.new(secret_key.encode(), label, hashlib.sha256).hexdigest()


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(_key(secret_key), salt=_SALT)


def admin_fingerprint(secret_key: str, password_hash: str, session_epoch: int) -> str:
    state = f"{password_hash}|{session_epoch}".encode()
    return hmac.new(_key(secret_key).encode(), state, hashlib.sha256).hexdigest()[:32]


def mint_grant(
    secret_key: str,
    *,
    workspace_id: int,
    admin_id: int,
    tour: str,
    origin: str,
    fingerprint: str,
    now: float | None = None,
    ttl_seconds: int = GRANT_TTL_SECONDS,
) -> str:
    expires = int(time.time() if now is None else now) + ttl_seconds
    payload = {
        "p": _PURPOSE,
        "ws": workspace_id,
        "adm": admin_id,
        "tour": tour,
        "o": origin,
        "fp": fingerprint,
        "exp": expires,
    }
    token: str = _serializer(secret_key).dumps(payload)
    return token


def read_grant(secret_key: str, token: str, *, now: float | None = None) -> EditGrant:
    """The grant's claims once its signature and lifetime are checked; GrantRefused otherwise."""
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        raise GrantRefused("grant_invalid", "the edit grant is not valid") from None
    try:
        if payload["p"] != _PURPOSE:
            raise KeyError("p")
        grant = EditGrant(
            workspace_id=int(payload["ws"]),
            admin_id=int(payload["adm"]),
            tour=str(payload["tour"]),
            origin=str(payload["o"]),
            fingerprint=str(payload["fp"]),
            expires_at=int(payload["exp"]),
        )
    except (KeyError, TypeError, ValueError):
        raise GrantRefused("grant_invalid", "the edit grant is not valid") from None
    if (time.time() if now is None else now) >= grant.expires_at:
        raise GrantRefused(
            "grant_expired", "the edit grant has expired; open the builder again from the console"
        )
    return grant
