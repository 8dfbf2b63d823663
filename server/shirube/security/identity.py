"""Identity verification: the host backend signs an HS256 JWT for each end user with the
workspace's identity secret; the widget passes it to `session`, and we check it here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jwt

LEEWAY_SECONDS = 30


@dataclass(frozen=True)
class IdentityCheck:
    signed: bool  # a token was presented
    valid: bool
    reason: str = ""


def verify_identity_token(
    token: str | None,
    secrets: Sequence[str],
    user_id: str,
    company_id: str | None,
) -> IdentityCheck:
    if not token:
        return IdentityCheck(signed=False, valid=False, reason="no identity token")
    claims: dict[str, object] | None = None
    reason = "identity token signature does not match"
    for secret in secrets:
        try:
            claims = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                options={"require": ["sub", "exp"]},
                leeway=LEEWAY_SECONDS,
            )
            break
        except jwt.ExpiredSignatureError:
            return IdentityCheck(signed=True, valid=False, reason="identity token has expired")
        except jwt.InvalidSignatureError:
            continue
        except jwt.MissingRequiredClaimError as exc:
            return IdentityCheck(signed=True, valid=False, reason=f"identity token {exc}")
        except jwt.InvalidTokenError:
            return IdentityCheck(signed=True, valid=False, reason="identity token is malformed")
    if claims is None:
        return IdentityCheck(signed=True, valid=False, reason=reason)
    if claims.get("sub") != user_id:
        return IdentityCheck(signed=True, valid=False, reason="identity token is for another user")
    token_company = claims.get("company")
    if token_company is None and company_id is not None:
        # Otherwise a verified user could claim any company and rewrite its traits.
        return IdentityCheck(
            signed=True, valid=False, reason="identity token does not name the company"
        )
    if token_company is not None and token_company != company_id:
        return IdentityCheck(
            signed=True, valid=False, reason="identity token is for another company"
        )
    return IdentityCheck(signed=True, valid=True)
