"""The console session: a cookie signed by Starlette's SessionMiddleware (itsdangerous).

It holds the admin id, a fingerprint of the admin's password hash and session epoch (changing
the password, signing out or deleting the admin ends every session of that admin, copies of the
cookie included), the sign-in time and a per-session CSRF token. The
cookie is readable by whoever holds it, so it holds nothing secret beyond the session itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shirube.console.state import console_of
from shirube.services.admins import Admin

COOKIE = "shirube_console"
COOKIE_PATH = "/console"
MAX_AGE_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"


def derive_key(secret_key: str, purpose: str) -> str:
    """A key of the console's own per purpose, derived from SHIRUBE_SECRET_KEY: nothing else
    signed with the secret key (widget session tokens) can be taken for a console cookie."""
    label = f"shirube console {purpose} v1".encode()
    return hmac.new(secret_key.encode(), label, hashlib.sha256).hexdigest()


class ConsoleSessions:
    """SessionMiddleware with the Secure flag chosen per request: on https requests (uvicorn
    sets the scheme from trusted proxy headers), or always when the setting says so."""

    def __init__(self, app: ASGIApp, secret_key: str, always_secure: bool) -> None:
        key = derive_key(secret_key, "session")
        self.always_secure = always_secure
        self.plain, self.secure = (
            SessionMiddleware(
                app,
                secret_key=key,
                session_cookie=COOKIE,
                max_age=MAX_AGE_SECONDS,
                # Sent only to console pages: the API and the widget never see it.
                path=COOKIE_PATH,
                same_site="lax",
                https_only=secure,
            )
            for secure in (False, True)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secure = self.always_secure or scope.get("scheme") == "https"
        await (self.secure if secure else self.plain)(scope, receive, send)


def _fingerprint(request: Request, admin: Admin) -> str:
    key = console_of(request).fingerprint_key.encode()
    state = f"{admin.password_hash}|{admin.session_epoch}".encode()
    return hmac.new(key, state, hashlib.sha256).hexdigest()[:32]


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def csrf_ok(request: Request, sent: object) -> bool:
    expected = request.session.get(CSRF_FIELD)
    return (
        isinstance(sent, str)
        and isinstance(expected, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    )


def start(request: Request, admin: Admin) -> None:
    """A brand-new session for `admin`: nothing from before the sign-in carries over (a
    token planted before sign-in is worthless after it)."""
    request.session.clear()
    request.session.update(
        admin_id=admin.id,
        fingerprint=_fingerprint(request, admin),
        signed_in_at=int(time.time()),
        **{CSRF_FIELD: secrets.token_urlsafe(32)},
    )


def end(request: Request) -> None:
    request.session.clear()


def admin_id(request: Request) -> int | None:
    """The admin id the session claims, if the session is still within its lifetime."""
    claimed, at = request.session.get("admin_id"), request.session.get("signed_in_at")
    if not isinstance(claimed, int) or not isinstance(at, int):
        return None
    # The cookie's own timestamp moves whenever the session is rewritten; this one does not.
    if not 0 <= time.time() - at <= MAX_AGE_SECONDS:
        return None
    return claimed


def still_valid(request: Request, admin: Admin) -> bool:
    sent = request.session.get("fingerprint")
    return isinstance(sent, str) and hmac.compare_digest(sent, _fingerprint(request, admin))
