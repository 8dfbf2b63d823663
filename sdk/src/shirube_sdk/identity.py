"""Identity tokens: the HS256 JWT the widget passes to `session` so that, in the workspace's
`enforce` mode, nobody can open a session as another user or claim another company.

Built with the standard library (hmac, hashlib, base64) so that the SDK has no dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

# The widget calls `session` again when its session token (valid 24 h) expires, with the token
# rendered in the page; a page left open that long must still present a valid identity token.
DEFAULT_TTL_SECONDS = 24 * 3600

_HEADER = {"alg": "HS256", "typ": "JWT"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_identity_token(
    secret: str,
    user_id: str,
    company_id: str | None = None,
    ttl: float = DEFAULT_TTL_SECONDS,
    now: float | None = None,
) -> str:
    """Return a JWT with claims `sub`, `company` (when given) and `exp`, signed HS256."""
    if not isinstance(user_id, str) or not user_id:
        raise ValueError("user_id must be a non-empty string")
    if company_id is not None and (not isinstance(company_id, str) or not company_id):
        raise ValueError("company_id must be a non-empty string or None")
    if ttl <= 0:
        raise ValueError("ttl must be a positive number of seconds")
    issued = time.time() if now is None else now
    claims: dict[str, Any] = {"sub": user_id}
    if company_id is not None:
        claims["company"] = company_id
    claims["exp"] = int(issued + ttl)
    signing_input = _b64url(_compact_json(_HEADER)) + "." + _b64url(_compact_json(claims))
    signature = hmac.new(
        secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256
    ).digest()
    return signing_input + "." + _b64url(signature)
